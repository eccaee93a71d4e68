"""KMS EnableKey: accept the key's ARN, as AWS does.

moto looks the KeyId up as given and answers a 500 (KeyError) for a key ARN, which is what
amazon.aws.kms_key sends when it enables a key again (after cancelling its deletion: site.yml after
`teardown.yml -e teardown_delete_models=true`). AWS API reference, EnableKey: KeyId is "the key ID
or key ARN"; the answer has no body.
"""

import json


def apply():
    from moto.kms.responses import KmsResponse

    def enable_key(self):
        key_id = self.kms_backend.get_key_id(self._get_param("KeyId"))
        self._validate_cmk_id(key_id)
        self.kms_backend.enable_key(key_id)
        return json.dumps(None)

    KmsResponse.enable_key = enable_key
