"""Staff web pages beyond the start page (imports). Views stay thin: forms validate, services work."""
