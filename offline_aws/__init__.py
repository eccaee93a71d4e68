"""The offline AWS: moto in server mode on a loopback port, plus small extensions.

`server.start()` launches `python -m offline_aws.launcher` (moto with our extensions applied),
waits until it answers and records its PID; `server.stop()` stops it by that PID. The Makefile
(`python -m offline_aws start|stop|reset|env`) and the pytest plugin share this one helper.
"""

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
