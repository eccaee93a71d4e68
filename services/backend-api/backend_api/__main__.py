import sys

from backend_api.serve import main

sys.exit(main(sys.argv[1:]))
