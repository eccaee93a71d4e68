"""HAProxy's configuration from ELBv2 listeners, rules and target groups, as ALB evaluates them.

A pure function of plain data (``render(spec)``), so the rendering is tested without HAProxy and the
component reloads only when the text changes. ALB picks the first rule by priority whose conditions
all match, then the default action; HAProxy runs every ``http-request`` rule before ``use_backend``,
so the winning rule is chosen first (``txn.rule``), then each action is keyed on it.

spec = {"log": "127.0.0.1:PORT", "socket": PATH, "frontends": [{"name", "bind", "protocol",
"port", "rules": [{"conditions": [...], "actions": [...]}]}], "backends": {target group ARN:
{"name", "servers": [{"name", "address", "port", "enabled"}]}}}: rules in priority order, the
default one last; conditions and actions exactly as ELBv2 stores them.
"""

import re

LOG_FORMAT = "%f %b %s %ST %Tr"
REDIRECT_CODES = {"HTTP_301": 301, "HTTP_302": 302}


def render(spec):
    """The whole configuration text."""
    lines = [
        "global",
        "    master-worker",
        f"    stats socket {spec['socket']} mode 600 level admin expose-fd listeners",
        "    stats timeout 30s",
        f"    log {spec['log']} format raw local0 info",
        "",
        "defaults",
        "    mode http",
        "    log global",
        f'    log-format "{LOG_FORMAT}"',
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 2s",
        "    option http-server-close",
        "",
    ]
    for frontend in spec["frontends"]:
        lines += _frontend(frontend, spec["backends"])
    for backend in sorted(spec["backends"].values(), key=lambda b: b["name"]):
        lines += _backend(backend)
    return "\n".join(lines) + "\n"


def _frontend(frontend, backends):
    lines = [f"frontend {frontend['name']}", f"    bind {frontend['bind']}"]
    uses = []
    for index, rule in enumerate(frontend["rules"]):
        conditions = " ".join(f"{{ {c} }}" for c in _conditions(rule["conditions"]))
        lines.append(
            f"    http-request set-var(txn.rule) int({index}) if !{{ var(txn.rule) -m found }} {conditions}".rstrip()
        )
        chosen = f"{{ var(txn.rule) -m int {index} }}"
        action = _final_action(rule["actions"])
        if action is None:
            continue
        kind = action.get("Type")
        if kind == "fixed-response":
            lines.append(f"    {_fixed_response(action.get('FixedResponseConfig', {}))} if {chosen}")
        elif kind == "redirect":
            lines += [
                f"    {line} if {chosen}{extra}"
                for line, extra in _redirect(action.get("RedirectConfig", {}), frontend)
            ]
        elif kind == "forward":
            groups = _forward_groups(action)
            live = [(arn, weight) for arn, weight in groups if weight > 0 and arn in backends]
            if len(live) == 1:
                uses.append(f"    use_backend {backends[live[0][0]]['name']} if {chosen}")
            elif live:
                total = sum(weight for _, weight in live)
                lines.append(f"    http-request set-var(txn.weight) rand({total}) if {chosen}")
                start = 0
                for arn, weight in live:
                    uses.append(
                        f"    use_backend {backends[arn]['name']} if {chosen} "
                        f"{{ var(txn.weight) -m int {start}:{start + weight - 1} }}"
                    )
                    start += weight
    return lines + uses + [""]


def _backend(backend):
    # ALB answers 502 when a target refuses the connection, 503 only when the group has no target to
    # try; HAProxy answers 503 to both. A response that passed http-response came from the server.
    lines = [
        f"backend {backend['name']}",
        "    balance roundrobin",
        "    retry-on conn-failure",
        "    retries 2",
        "    http-response set-var(txn.answered) bool(true)",
        "    http-after-response set-status 502 if { status 503 } { srv_id -m found } !{ var(txn.answered) -m found }",
    ]
    for server in backend["servers"]:
        state = "" if server["enabled"] else " disabled"
        lines.append(f"    server {server['name']} {server['address']}:{server['port']}{state}")
    return lines + [""]


def _final_action(actions):
    """The action that answers (authenticate-* actions come first on AWS; they are not modelled)."""
    ordered = sorted(actions, key=lambda a: int(a.get("Order", 0) or 0))
    for action in ordered:
        if action.get("Type") in ("forward", "fixed-response", "redirect"):
            return action
    return None


def _forward_groups(action):
    if action.get("ForwardConfig", {}).get("TargetGroups"):
        return [(g["TargetGroupArn"], int(g.get("Weight", 1))) for g in action["ForwardConfig"]["TargetGroups"]]
    if action.get("TargetGroupArn"):
        return [(action["TargetGroupArn"], 1)]
    return []


def wildcard(pattern):
    """ALB's wildcards (``*`` any characters, ``?`` one) as an anchored regular expression."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def _alternatives(values):
    return "^(" + "|".join(wildcard(v) for v in values) + ")$"


def _regex(text):
    """A regex as one HAProxy word: quoted, with the characters that end or escape a word escaped."""
    return "'" + text.replace("'", "'\\''") + "'"


def _values(condition, config):
    return condition.get(config, {}).get("Values") or condition.get("Values") or []


def _conditions(conditions):
    """Each condition as an anonymous ACL; several values of one condition match any of them."""
    acls = []
    for condition in conditions:
        field = condition.get("Field")
        if field == "path-pattern":
            acls.append(f"path -m reg {_regex(_alternatives(_values(condition, 'PathPatternConfig')))}")
        elif field == "host-header":
            values = _values(condition, "HostHeaderConfig")
            acls.append(f"req.hdr(host),field(1,:) -m reg -i {_regex(_alternatives(values))}")
        elif field == "http-header":
            config = condition.get("HttpHeaderConfig", {})
            name = config.get("HttpHeaderName", "")
            acls.append(f"req.hdr({name}) -m reg -i {_regex(_alternatives(config.get('Values', [])))}")
        elif field == "http-request-method":
            values = condition.get("HttpRequestMethodConfig", {}).get("Values", [])
            acls.append(f"method {' '.join(values)}")
        elif field == "query-string":
            pairs = condition.get("QueryStringConfig", {}).get("Values", [])
            acls.append(f"query -m reg -i {_regex(_query(pairs))}" if pairs else "FALSE")
        elif field == "source-ip":
            values = condition.get("SourceIpConfig", {}).get("Values", [])
            acls.append(f"src {' '.join(values)}")
        else:
            acls.append("FALSE")  # a condition we cannot evaluate never matches
    return acls


def _query(pairs):
    """Key/value pairs (a missing key: any key) as one regex over the raw query string."""

    def part(text):
        return "".join("[^&=]*" if c == "*" else "[^&=]" if c == "?" else re.escape(c) for c in text)

    alternatives = [(part(p["Key"]) if p.get("Key") else "[^&=]*") + "=" + part(p.get("Value", "")) for p in pairs]
    return "(^|&)(" + "|".join(alternatives) + ")(&|$)"


def _quote(text):
    """A literal string as one HAProxy word (single quotes: no variables, no escapes inside)."""
    return "'" + str(text).replace("'", "'\\''") + "'"


def _fixed_response(config):
    words = [f"http-request return status {int(config.get('StatusCode', 200))}"]
    body = config.get("MessageBody")
    if body:
        words.append(f"content-type {_quote(config.get('ContentType') or 'text/plain')}")
        words.append(f"string {_quote(body)}")
    return " ".join(words)


def _redirect(config, frontend):
    """The redirect lines, with ALB's #{protocol}, #{host}, #{port}, #{path}, #{query} placeholders."""
    protocol = frontend.get("protocol", "HTTP").lower()
    port = str(frontend.get("port", 80))
    values = {
        "protocol": protocol,
        "port": port,
        "host": "%[req.hdr(host),field(1,:)]",
        "path": "%[path,regsub(^/,)]",
        "query": "%[query]",
    }

    def fill(template):
        escaped = template.replace("%", "%%")
        return re.sub(r"#\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), escaped)

    target_protocol = fill(config.get("Protocol", "#{protocol}")).lower()
    target_port = fill(config.get("Port", "#{port}"))
    host = fill(config.get("Host", "#{host}"))
    path = fill(config.get("Path", "/#{path}"))
    query = fill(config.get("Query", "#{query}"))
    default_port = (target_protocol == "http" and target_port == "80") or (
        target_protocol == "https" and target_port == "443"
    )
    base = f"{target_protocol}://{host}{'' if default_port else ':' + target_port}{path}"
    code = REDIRECT_CODES.get(config.get("StatusCode"), 301)
    if not query:
        return [(f'http-request redirect location "{base}" code {code}', "")]
    # ALB leaves out the "?" when the query is empty.
    if query == "%[query]":
        return [
            (f'http-request redirect location "{base}?{query}" code {code}', " { query -m found } !{ query -m len 0 }"),
            (f'http-request redirect location "{base}" code {code}', ""),
        ]
    return [(f'http-request redirect location "{base}?{query}" code {code}', "")]
