"""The harvester's network layer against a local web site: limits, addresses, redirects, conditional requests."""

import socket

import pytest

from kb.services.interchange.harvest.fetch import Fetcher, FetchError, FetchPolicy, is_public_address
from tests.harvest_site import LocalSite

FAST = FetchPolicy(allow_private=True, timeout=0.4, deadline=2.0, max_bytes=1_000_000)
PUBLIC_IP = "93.184.215.14"  # never contacted: the test connector below goes to the local site


@pytest.fixture
def site():
    with LocalSite() as local:
        yield local


def via_public_name(site: LocalSite, policy: FetchPolicy) -> Fetcher:
    """A fetcher that believes "quelle.example" is a public host; its connections go to the local site."""

    def resolver(host, port):
        if host == "quelle.example":
            return [(socket.AF_INET, PUBLIC_IP)]
        return [(family, sockaddr[0]) for family, _t, _p, _c, sockaddr in socket.getaddrinfo(host, port)]

    def connector(address, port, timeout):
        assert address[1] == PUBLIC_IP, "only the pretend public host may be connected to"
        return socket.create_connection(("127.0.0.1", site.port), timeout=timeout)

    return Fetcher(policy, resolver=resolver, connector=connector)


def test_a_page_is_fetched_and_a_conditional_request_answers_not_modified(site):
    site.page("/p.yml", "name: x\n", etag='"v1"', last_modified="Tue, 01 Apr 2025 10:00:00 GMT")
    fetcher = Fetcher(FAST)
    first = fetcher.get(site.url("/p.yml"))
    assert (first.status, first.body, first.etag) == (200, b"name: x\n", '"v1"')
    again = fetcher.get(site.url("/p.yml"), first.validators)
    assert again.not_modified and again.body == b"" and again.etag == '"v1"'
    sent = site.requests_for("/p.yml")[-1].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == "Tue, 01 Apr 2025 10:00:00 GMT"
    assert sent["user-agent"].startswith("Praxisatlas")


def test_loopback_is_refused_unless_private_targets_are_allowed(site):
    site.page("/p.yml", "name: x\n")
    with pytest.raises(FetchError) as refused:
        Fetcher(FetchPolicy()).get(site.url("/p.yml"))
    assert refused.value.reason == "blocked" and "127.0.0.1" in str(refused.value)
    assert site.requests == []  # refused before anything was sent
    assert Fetcher(FAST).get(site.url("/p.yml")).status == 200


@pytest.mark.parametrize("text", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                  "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
                                  "64:ff9b::a00:1", "224.0.0.1"])
def test_non_public_addresses_are_recognised(text):
    import ipaddress

    assert not is_public_address(ipaddress.ip_address(text))
    assert is_public_address(ipaddress.ip_address(PUBLIC_IP))


def test_a_redirect_to_loopback_is_refused_even_from_a_public_host(site):
    site.redirect("/moved.yml", site.url("/secret.yml"))
    site.redirect("/same-host.yml", "/p.yml")
    site.page("/p.yml", "name: x\n")
    site.page("/secret.yml", "geheim")
    fetcher = via_public_name(site, FetchPolicy(timeout=0.4, deadline=2.0))
    assert fetcher.get("http://quelle.example/same-host.yml").body == b"name: x\n"  # a public hop is followed
    with pytest.raises(FetchError) as refused:
        fetcher.get("http://quelle.example/moved.yml")
    assert refused.value.reason == "blocked" and "--allow-private" in str(refused.value)
    assert site.requests_for("/secret.yml") == []


def test_redirects_are_limited(site):
    for n in range(10):
        site.redirect(f"/r{n}", f"/r{n + 1}")
    with pytest.raises(FetchError) as refused:
        Fetcher(FAST).get(site.url("/r0"))
    assert refused.value.reason == "redirects"
    assert len(site.requests) == FAST.max_redirects + 1


@pytest.mark.parametrize("declared", [True, False])
def test_a_five_megabyte_answer_is_refused(site, declared):
    site.page("/big.yml", b"x" * 5_000_000, declare_length=declared)
    with pytest.raises(FetchError) as refused:
        Fetcher(FAST).get(site.url("/big.yml"))
    assert refused.value.reason == "too_large" and "1000 kB" in str(refused.value)


def test_only_the_beginning_is_kept_when_asked_for(site):
    site.page("/refs", b"y" * 2_000_000, declare_length=False)
    result = Fetcher(FAST).get(site.url("/refs"), prefix_only=True)
    assert result.truncated and len(result.body) == FAST.max_bytes


def test_a_slow_server_times_out(site):
    site.page("/slow.yml", "name: x\n", delay=1.5)
    with pytest.raises(FetchError) as refused:
        Fetcher(FAST).get(site.url("/slow.yml"))
    assert refused.value.reason == "timeout"


@pytest.mark.parametrize("url, reason", [
    ("ftp://example.org/publiccode.yml", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("https://user:pw@example.org/publiccode.yml", "credentials"),
    ("http://[::1", "scheme"),
])
def test_other_schemes_and_credentials_are_refused(url, reason):
    with pytest.raises(FetchError) as refused:
        Fetcher(FetchPolicy()).get(url)
    assert refused.value.reason == reason
    assert "pw" not in str(refused.value)


def test_missing_pages_say_so(site):
    with pytest.raises(FetchError) as refused:
        Fetcher(FAST).get(site.url("/weg.yml"))
    assert refused.value.gone and refused.value.status == 404
