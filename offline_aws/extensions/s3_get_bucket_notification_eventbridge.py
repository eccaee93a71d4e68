"""S3 GetBucketNotificationConfiguration reports EventBridgeConfiguration when the bucket sends its
events to EventBridge, as AWS does.

AWS API reference, GetBucketNotificationConfiguration: the response's NotificationConfiguration holds
`EventBridgeConfiguration` (an empty element) when "Amazon EventBridge notifications are enabled".
moto stores it on PutBucketNotificationConfiguration but leaves it out of the answer, so a module
that reads before it writes would turn it on again on every run and never see it on.
"""


def apply():
    import re

    from moto.s3.responses import S3Response

    original_get_bucket_notification = S3Response.get_bucket_notification

    def get_bucket_notification(self):
        response = original_get_bucket_notification(self)
        configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if configuration is None or configuration.event_bridge is None:
            return response
        status, headers, body = response
        body = body.decode() if isinstance(body, bytes) else body
        if "<EventBridgeConfiguration" not in body:
            element = "<EventBridgeConfiguration></EventBridgeConfiguration>"
            if "</NotificationConfiguration>" in body:
                body = body.replace("</NotificationConfiguration>", f"{element}</NotificationConfiguration>")
            else:  # an empty configuration comes self-closed: <NotificationConfiguration xmlns="..."/>
                body = re.sub(
                    r"<NotificationConfiguration([^>]*)/>",
                    rf"<NotificationConfiguration\1>{element}</NotificationConfiguration>",
                    body,
                )
        headers = {k: v for k, v in dict(headers).items() if k.lower() != "content-length"}
        return status, headers, body

    S3Response.get_bucket_notification = get_bucket_notification
