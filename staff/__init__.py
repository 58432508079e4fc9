"""Staff console: web pages under /staff/ on their own server (`python -m staff.server`, STAFF_PORT)
and a command line (`python -m staff.cli`)."""
