"""IAM's backends cost their build once, not six times per test.

moto finds the account of every request's access key (``get_account_id_from``) by reading each
partition's IAM backend, ``account[partition]`` for all six partitions, which builds the five we
never use; and each build parses moto's 2 MB of AWS managed policies again (``json.loads``) to
make its own policy objects. After every reset that was six parses, 3 to 4 s of the server's CPU
on these 2 cores. Here the lookup reads only the partitions already built (a partition not built
has no access keys: the answer is the same), and the policies' data is parsed once per process
(each backend still makes its own policy objects from it: they count their attachments).
"""

import functools
import json


def apply():
    from moto.iam import models
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    @functools.cache
    def parsed_once():
        return json.loads(aws_managed_policies_data)

    def init_aws_policies(self):
        if not models.load_iam_aws_managed_policies():
            return []
        return [
            models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
            for name, data in parsed_once().items()
        ]

    def get_account_id_from(access_key):
        for account_id, account in list(models.iam_backends.items()):
            for backend in list(account.values()):
                if access_key in backend.access_keys:
                    return account_id
        return models.DEFAULT_ACCOUNT_ID

    models.IAMBackend._init_aws_policies = init_aws_policies
    models.get_account_id_from = get_account_id_from
