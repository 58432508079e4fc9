"""Staff console: web pages under /staff/ (`staff.app.register`) and a command line (`python -m staff.cli`)."""
