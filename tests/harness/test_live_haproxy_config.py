"""HAProxy's configuration from ELBv2 rules: the rendering, and HAProxy itself accepts it."""

import re
import subprocess

from offline_aws.live.haproxy_config import render, wildcard
from offline_aws.live.target_health_checks import matches

TG_A = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/a/1"
TG_B = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/b/2"


def spec(rules, socket="unused.sock"):
    return {
        "log": "127.0.0.1:5140",
        "socket": socket,
        "frontends": [
            {"name": "lb.web.1.80", "bind": "127.0.0.1:18080", "protocol": "HTTP", "port": 80, "rules": rules}
        ],
        "backends": {
            TG_A: {
                "name": "tg.a.1",
                "servers": [{"name": "s1", "address": "127.0.3.1", "port": 8000, "enabled": True}],
            },
            TG_B: {
                "name": "tg.b.2",
                "servers": [{"name": "s2", "address": "127.0.3.2", "port": 8000, "enabled": False}],
            },
        },
    }


RULES = [
    {
        "conditions": [{"Field": "path-pattern", "Values": ["/api/*", "/v?"]}],
        "actions": [
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": TG_A, "Weight": 90},
                        {"TargetGroupArn": TG_B, "Weight": 10},
                    ]
                },
            }
        ],
    },
    {
        "conditions": [
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["*.example.com"]}},
            {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]}},
            {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-A", "Values": ["b"]}},
        ],
        "actions": [
            {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_302"}}
        ],
    },
    {
        "conditions": [{"Field": "path-pattern", "Values": ["/it's"]}],
        "actions": [
            {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503", "MessageBody": "it's $HOME down"}}
        ],
    },
    {"conditions": [], "actions": [{"Type": "forward", "TargetGroupArn": TG_A}]},
]


def test_rules_render_in_priority_order_and_haproxy_accepts_them(tmp_path):
    text = render(spec(RULES, socket=str(tmp_path / "haproxy.sock")))
    assert "use_backend tg.a.1 if { var(txn.rule) -m int 0 } { var(txn.weight) -m int 0:89 }" in text
    assert "use_backend tg.b.2 if { var(txn.rule) -m int 0 } { var(txn.weight) -m int 90:99 }" in text
    assert "http-request set-var(txn.weight) rand(100) if { var(txn.rule) -m int 0 }" in text
    assert 'redirect location "https://%[req.hdr(host),field(1,:)]/%[path,regsub(^/,)]?%[query]" code 302' in text
    assert "http-request return status 503 content-type 'text/plain' string 'it'\\''s $HOME down'" in text
    assert "use_backend tg.a.1 if { var(txn.rule) -m int 3 }" in text
    assert "server s2 127.0.3.2:8000 disabled" in text
    first = [line for line in text.splitlines() if "set-var(txn.rule)" in line]
    assert [re.search(r"int\((\d)\)", line).group(1) for line in first] == ["0", "1", "2", "3"]
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    checked = subprocess.run(["/usr/sbin/haproxy", "-c", "-f", str(path)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_weight_zero_and_unknown_groups_get_no_backend_line():
    rules = [
        {
            "conditions": [],
            "actions": [
                {
                    "Type": "forward",
                    "ForwardConfig": {
                        "TargetGroups": [{"TargetGroupArn": TG_A, "Weight": 1}, {"TargetGroupArn": TG_B, "Weight": 0}]
                    },
                }
            ],
        }
    ]
    text = render(spec(rules))
    assert "use_backend tg.b.2" not in text
    assert "use_backend tg.a.1 if { var(txn.rule) -m int 0 }" in text


def test_alb_wildcards_and_matchers():
    assert re.fullmatch(wildcard("/api/*"), "/api/a/b")
    assert re.fullmatch(wildcard("/v?"), "/v1") and not re.fullmatch(wildcard("/v?"), "/v12")
    assert not re.fullmatch(wildcard("/a.c"), "/abc")
    assert matches("200", 200) and not matches("200", 204)
    assert matches("200-299", 204) and not matches("200-299", 302)
    assert matches("200,302", 302) and not matches("200,302", 301)
