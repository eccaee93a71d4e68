# The collection as users get it: build the tarball, install it, check it with ansible-test/ansible-doc.
.PHONY: collection test-sanity
TEST_TARGETS += test-sanity
COLLECTION_TMP := $(CURDIR)/.build/installed
COLLECTION_DIR := $(COLLECTION_TMP)/ansible_collections/mlops/aws_deploy

collection: bootstrap ## build mlops-aws_deploy-<version>.tar.gz and install it under .build/installed
	rm -rf $(COLLECTION_TMP) .build/dist && mkdir -p .build/dist
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist .
	$(BIN)/ansible-galaxy collection install --force --no-deps -p $(COLLECTION_TMP) .build/dist/mlops-aws_deploy-*.tar.gz
	@# Our dependencies (amazon.aws, community.aws) beside it, from the ansible package in the venv,
	@# so that sanity's import and validate-modules tests can import them.
	for dep in amazon community; do ln -sfn $$($(PY) -c "import ansible_collections.$$dep as m; print(m.__path__[0])") \
	  $(COLLECTION_TMP)/ansible_collections/$$dep; done

test-sanity: collection ## ansible-test sanity (no ignore files) on the installed tarball; ansible-doc of every module
	@test ! -e tests/sanity || ! ls tests/sanity/ignore-*.txt >/dev/null 2>&1 || { echo "ignore files are not allowed"; exit 1; }
	@# ansible-test downloads its pip bootstrap script from a host we cannot reach: seed its cache.
	@v=$$(grep -ohP "pip='\K[0-9.]+" $(CURDIR)/$(VENV)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py); \
	  mkdir -p ~/.ansible/test/cache && cp scripts/ansible_test_get_pip.py ~/.ansible/test/cache/get_pip_$${v//./_}.py
	cd $(COLLECTION_DIR) && git init -q . && git add -A && \
	  $(BIN)/ansible-test sanity --python 3.11 --color no --requirements
	$(PY) tests/collection/check_docs.py $(COLLECTION_TMP)
	@# requirements.txt's botocore floor must know every API call and parameter plugins/ uses.
	$(PY) tests/collection/check_botocore_floor.py
