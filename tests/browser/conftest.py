from tests.admin.fixtures import *  # noqa: F401,F403
