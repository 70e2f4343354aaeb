"""API contract run (.ci/api_contract): the local settings with a fast password hasher.

Every API call there authenticates with basic auth, and the production hasher's deliberate
slowness would spend the run's time budget on hashing instead of on requests.
"""

from .base import env
from .local import *  # noqa: F401,F403

DEBUG = env.bool("DJANGO_DEBUG", default=False)  # true only for create_demo_users
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
