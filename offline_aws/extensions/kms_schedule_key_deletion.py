"""KMS ScheduleKeyDeletion: accept the key's ARN, as AWS does.

moto looks the KeyId up as given and answers a 500 (KeyError) for a key ARN, which is what
amazon.aws.kms_key sends when it removes a key. AWS API reference, ScheduleKeyDeletion: KeyId is
"the key ID or key ARN"; the answer's KeyId is the key ARN.
"""

import json


def apply():
    from moto.kms.responses import KmsResponse

    def schedule_key_deletion(self):
        key_id = self.kms_backend.get_key_id(self._get_param("KeyId"))
        window = self._get_param("PendingWindowInDays")
        self._validate_cmk_id(key_id)
        deletion_date = self.kms_backend.schedule_key_deletion(key_id, 30 if window is None else window)
        return json.dumps({"KeyId": self.kms_backend.keys[key_id].arn, "DeletionDate": deletion_date,
                           "KeyState": "PendingDeletion", "PendingWindowInDays": 30 if window is None else window})

    KmsResponse.schedule_key_deletion = schedule_key_deletion
