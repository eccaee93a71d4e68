import sys

from ml_model_service.serve import main

sys.exit(main(sys.argv[1:]))
