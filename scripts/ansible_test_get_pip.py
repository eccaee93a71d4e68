"""Stand-in for ansible-test's pip bootstrap script (get-pip.py), which it downloads from a host
these machines cannot reach. Same contract: bootstrap pip into the running (empty) virtualenv,
then `pip install` the arguments. mk/collection.mk copies it into ansible-test's cache."""

import subprocess
import sys

GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}

# In a child process: ensurepip sets PIP_CONFIG_FILE=/dev/null in its own environment, which would
# hide the machine's pip configuration (index, CA bundle) from the install below.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *arguments]))
