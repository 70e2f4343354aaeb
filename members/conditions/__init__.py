"""The member condition language: a JSON tree of conditions on members, validated (tree.py),
compiled to one set-based query (compiler.py: matching_members, count, sample) and explained for
one member (explain.py), over fields that members and higher apps register (registry.py).
Members' own fields are registered by MembersConfig.ready() (profile_fields.py)."""
