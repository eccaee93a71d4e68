"""KMS CancelKeyDeletion: accept the key's ARN, as AWS does.

moto looks the KeyId up as given and answers a 500 (KeyError) for a key ARN, which is what
amazon.aws.kms_key sends when it finds a key scheduled for deletion (site.yml after
`teardown.yml -e teardown_delete_models=true`). AWS API reference, CancelKeyDeletion: KeyId is "the
key ID or key ARN"; the answer's KeyId is the key ARN, and the key is Disabled afterwards.
"""

import json


def apply():
    from moto.kms.responses import KmsResponse

    def cancel_key_deletion(self):
        key_id = self.kms_backend.get_key_id(self._get_param("KeyId"))
        self._validate_cmk_id(key_id)
        self.kms_backend.cancel_key_deletion(key_id)
        return json.dumps({"KeyId": self.kms_backend.keys[key_id].arn})

    KmsResponse.cancel_key_deletion = cancel_key_deletion
