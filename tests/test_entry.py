"""Every request checked where it enters (#10): malformed input is a 400 naming the part and its value."""

import base64
import html
import re

import pytest
from werkzeug.test import EnvironBuilder

from tests.conftest import csrf_token

ITEMS = "/ogc/collections/households/items"
HTML = {"Accept": "text/html"}
LONG_LABEL = "a" * 64 + ".example.org"


def said(response) -> str:
    """Return the error message of a JSON answer (OGC's or ours) or of an error page."""
    if response.is_json:
        return response.json.get("message") or response.json["description"]
    page = response.get_data(as_text=True)
    return html.unescape(re.search(r'role="alert">(.*?)</p>', page, re.S).group(1))


# The reporter's 500s, each now a 400 that names the part and shows the value.
NUL_CASES = [
    ("/households/%00", "路径段 '\\x00'"),
    ("/households/52%00", "路径段 '52\\x00'"),
    ("/search?q=a%00b", "参数 q='a\\x00b'"),
    (f"{ITEMS}/%00", "路径段 '\\x00'"),
    (f"{ITEMS}?code=%00", "参数 code='\\x00'"),
    (f"{ITEMS}?filter=code%3D%27a%00%27", "参数 filter=\"code='a\\x00'\""),
    ("/ogc/collections/%00", "路径段 '\\x00'"),
    ("/areas/%00", "路径段 '\\x00'"),
    ("/export/households.csv?crs=%00", "参数 crs='\\x00'"),
    ("/tiles/0/0/0.mvt?x=%01", "参数 x='\\x01'"),
]


@pytest.mark.parametrize(("path", "named"), NUL_CASES)
def test_a_control_character_anywhere_is_a_400_naming_where(client, login, path, named):
    login("admin")
    response = client.get(path, headers=HTML)
    assert response.status_code == 400
    assert named in said(response) and "含有控制字符 U+00" in said(response)


def test_programs_get_the_same_refusal_as_json(client, login):
    login("leader")
    response = client.get("/search?q=a%00b", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json == {
        "code": "InvalidParameterValue",
        "message": "参数 q='a\\x00b'：含有控制字符 U+0000",
    }


def test_the_message_follows_the_readers_language(client, login):
    login("leader")
    client.get("/lang/en")
    response = client.get("/search?q=a%00b", headers={"Accept": "application/json"})
    assert response.json["message"] == "parameter q='a\\x00b': holds the control character U+0000"


@pytest.mark.parametrize("path", ["/", "/households/x", "/no-such-page", "/login", "/static/app.css"])
def test_a_host_label_of_64_characters_is_a_400_page_not_a_crash(client, login, path):
    login("leader")
    response = client.get(path, headers={"Host": LONG_LABEL, **HTML})
    assert response.status_code == 400
    assert "请求头 Host=" in response.get_data(as_text=True)
    assert "最多 63 个" in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["exa mple.org", "ex\x7fample.org", "a..b", "例子.中国", "host:99999x"])
def test_a_host_that_is_no_host_name_is_refused(client, host):
    response = client.get("/login", headers={"Host": host, **HTML})
    assert response.status_code == 400 and "不是有效的主机名" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:5000", "10.0.0.5:8000", "[::1]:5000", "map.gz.gov.cn."]
)
def test_ordinary_hosts_pass(client, host):
    assert client.get("/login", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/", "GET"),
        ("DELETE", "/ogc/collections", "GET"),
        ("PUT", "/login", "POST"),
        ("GET", "/logout", "POST"),
        ("POST", "/tiles/0/0/0.mvt", "GET"),
        ("PATCH", "/export", "POST"),
    ],
)
@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_every_405_says_which_methods_are_allowed(client, login, method, path, allowed, accept):
    login("gis")
    response = client.open(path, method=method, headers={"Accept": accept})
    assert response.status_code == 405
    assert allowed in response.headers["Allow"].split(", ")


def raw_get(app, path: str, query: bytes = b"", **headers):
    """GET with the path, query and headers exactly as a server passes on the bytes it received.

    The test client would re-encode them (turning bytes that are not UTF-8 into U+FFFD), so the
    environ goes to the app as it is.
    """
    environ = EnvironBuilder(path="/").get_environ()
    environ["PATH_INFO"] = path.encode("utf-8", "surrogateescape").decode("latin-1")
    environ["QUERY_STRING"] = query.decode("latin-1")
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return app.response_class.from_app(app, environ, buffered=True)


@pytest.mark.parametrize(
    ("path", "query", "named"),
    [
        ("/households/\udcff", b"", "路径段"),
        ("/search", b"q=%FF", "参数 q="),
        ("/search", b"q=%ED%A0%80", "参数 q="),  # a lone surrogate, as UTF-8 bytes
        ("/search", b"q=\xe4\xb8", "参数 q="),  # a character cut in half
    ],
)
def test_bytes_that_are_not_utf8_are_refused(app, path, query, named):
    response = raw_get(app, path, query, Accept="application/json")
    assert response.status_code == 400
    assert named in said(response) and "不是有效的 UTF-8 编码" in said(response)


def test_chinese_and_other_scripts_pass(client, login, county):
    login("leader")
    name = county.households.sort_values("code").head_name.iloc[0]
    response = client.get(f"/search?q={name}")
    assert response.status_code == 200 and name in response.get_data(as_text=True)
    for words in ("ئۇيغۇرچە", "ꆈꌠꉙ", "𠀀𠀁", "a\tb"):  # Uyghur, Yi, CJK extension B, a tab
        assert client.get("/search", query_string={"q": words}).status_code == 200


def test_values_longer_than_the_limit_are_refused_and_the_limit_is_a_setting(app, client, login, monkeypatch):
    login("leader")
    response = client.get("/search", query_string={"q": "户" * 2001}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "长 2,001 个字符，最多 2,000 个" in response.json["message"]
    assert client.get("/search", query_string={"q": "户" * 2000}).status_code == 200
    monkeypatch.setitem(app.config, "ENTRY_MAX_QUERY_VALUE", 10)
    assert client.get("/search", query_string={"q": "户" * 11}).status_code == 400


def test_long_path_segments_and_too_many_parameters_are_refused(client, login):
    login("leader")
    assert client.get("/households/" + "1" * 257).status_code == 400
    many = "&".join(f"p{i}=1" for i in range(101))
    response = client.get(f"/search?{many}", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "共 101 个参数" in response.json["message"]


@pytest.mark.parametrize("value", ["inf", "-Infinity", "nan", "NaN", "1e999", " inf "])
def test_numbers_that_are_not_finite_are_refused(client, login, value):
    login("gis")
    response = client.get(ITEMS, query_string={"limit": value})
    assert response.status_code == 400
    assert "不是有限的数值" in response.json["description"]


def test_free_text_may_say_nan(client, login):
    login("leader")
    assert client.get("/search?q=nan").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"User-Agent": "curl\x00"},
        {"X-Anything": "a\x1bb"},
        {"Referer": "x" * 9000},
        {"Cookie": "session=\x01"},
        {"Cookie": 'lang="\\000"'},  # an octal escape werkzeug would unquote to NUL
        {"Cookie": "lang=" + "z" * 5000},
        {"X-Name": "\xe4\xb8"},  # UTF-8 cut short, as a server passes it on (latin-1)
    ],
)
def test_bad_headers_and_cookies_are_refused(app, headers):
    response = raw_get(app, "/login", **headers)
    assert response.status_code == 400
    assert said(response).startswith(("请求头", "Cookie"))


@pytest.mark.parametrize("credentials", ["a\x00b:secret-pw", "user:secret\x00pw", "user\x1b:secret-pw"])
def test_basic_credentials_with_a_control_character_are_refused_without_echoing_them(client, credentials):
    basic = base64.b64encode(credentials.encode()).decode()
    response = client.get("/ogc/collections", headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 400
    message = response.json.get("description") or response.json["message"]
    assert message.startswith("请求头 Authorization='Basic …'") and "secret" not in message


def test_a_form_field_with_a_nul_is_refused_before_the_password_is_checked(app, client, accounts):
    username, password = accounts["leader"]
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": username + "\x00", "password": password, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "表单字段 username=" in response.get_data(as_text=True)


def test_form_bytes_that_are_not_utf8_are_refused(client):
    response = client.post(
        "/login", data=b"username=%FFx&password=p", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and "表单字段 username=" in response.get_data(as_text=True)


def test_line_breaks_in_a_form_field_pass(client, login):
    login("admin")
    page = client.get("/export").get_data(as_text=True)
    response = client.post(
        "/export", data={"csrf_token": csrf_token(page), "layer": "x\r\ny", "format": "csv"}
    )
    assert response.status_code == 404  # the layer is unknown, but the value entered
