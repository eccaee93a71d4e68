"""EventBridge TestEventPattern, which moto leaves unimplemented, answered with moto's own matcher
(the one its rules use to route events).

AWS API reference, TestEventPattern: "Tests whether the specified event pattern matches the provided
event"; request `EventPattern` and `Event` (JSON strings), response `{"Result": true|false}`; an
event without the required fields (id, account, source, time, region, resources, detail-type) or a
pattern that does not parse is an InvalidEventPatternException / ValidationException. The tests use
it to prove that the pipeline's rule matches the event S3 sends when its source is uploaded.
"""

REQUIRED_EVENT_FIELDS = ("id", "account", "source", "time", "region", "resources", "detail-type")


def apply():
    import json

    from moto.events.exceptions import InvalidEventPatternException, ValidationException
    from moto.events.models import EventPattern
    from moto.events.responses import EventsHandler

    def test_event_pattern(self):
        try:
            event = json.loads(self._get_param("Event") or "")
        except ValueError:
            raise ValidationException("Parameter Event is not valid.") from None
        missing = [field for field in REQUIRED_EVENT_FIELDS if field not in event]
        if missing:
            raise ValidationException(f"Parameter Event is not valid: missing {', '.join(missing)}.")
        try:
            pattern = EventPattern.load(self._get_param("EventPattern"))
        except ValueError as e:  # not JSON (moto's parser raises its own exception for a bad shape)
            raise InvalidEventPatternException(reason=str(e)) from None
        return json.dumps({"Result": pattern.matches_event(event)}), self.response_headers

    EventsHandler.test_event_pattern = test_event_pattern
