"""Access-log traffic of a small WordPress site: benign visitors and bots, and scanner bursts."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sandbox.accesslog import AccessLine

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
NIKTO = "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)"
GOBUSTER = "gobuster/3.6"

# (client as logged, user agent, is a bot): addresses and, with HostnameLookups On, resolved names.
VISITORS = (
    ("192.0.2.10", FIREFOX, False),
    ("192.0.2.31", CHROME, False),
    ("198.51.100.14", SAFARI, False),
    ("203.0.113.200", CHROME, False),
    ("dsl-11.home.example.net", FIREFOX, False),
    ("crawl-66-249-66-1.googlebot.com", GOOGLEBOT, True),
    ("msnbot-40-77-167-5.search.msn.com", BINGBOT, True),
)
# (request target, status, size); paths and queries carry addresses that are no client.
PAGES = (
    ("/", 200, 10512),
    ("/about/", 200, 7311),
    ("/blog/", 200, 9120),
    ("/blog/2026/09/fix-the-router-at-192.168.1.1/", 200, 12044),
    ("/blog/2026/10/hello-world/", 200, 8410),
    ("/tools/whois.php?q=10.20.30.40", 200, 2210),
    ("/contact.php", 200, 4980),
    ("/?s=backup+schedule", 200, 6622),
)
ASSETS = (
    ("/wp-content/themes/twentytwentyfour/style.css", 200, 18211),
    ("/wp-includes/js/jquery/jquery.min.js", 200, 87533),
    ("/wp-content/themes/twentytwentyfour/assets/logo.png", 200, 5410),
    ("/favicon.ico", 200, 1150),
)
BOT_ONLY = (("/robots.txt", 200, 67), ("/sitemap.xml", 200, 3321), ("/wp-sitemap.xml", 404, 491))
# Nikto and gobuster probes: (path, status, size).
PROBES = (
    ("/.env", 404, 491),
    ("/.git/config", 404, 491),
    ("/phpmyadmin/", 404, 491),
    ("/wp-config.php.bak", 404, 491),
    ("/wp-config.php~", 404, 491),
    ("/backup.zip", 404, 491),
    ("/admin/", 404, 491),
    ("/server-status", 403, 487),
    ("/.htaccess", 403, 487),
    ("/xmlrpc.php", 405, 42),
    ("/wp-admin/", 302, 0),
    ("/cgi-bin/test.cgi", 404, 491),
    ("/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", 404, 491),
    ("/wp-content/plugins/wp-file-manager/readme.txt", 200, 4117),
    ("/config.php", 404, 491),
    ("/.DS_Store", 404, 491),
)
WORDLIST = ("admin", "backup", "images", "login", "old", "test", "uploads", "wp-content", "api", "dev")


def benign_traffic(rng: random.Random, start: datetime, end: datetime, server: str) -> list[AccessLine]:
    """Visits spread over [start, end): pages with their assets, bots, and a few legitimate POSTs."""
    lines: list[AccessLine] = []
    span = (end - start).total_seconds()
    home = f"http://{server}/"
    for n in range(90):
        at = (start + timedelta(seconds=span * n / 90 + rng.randint(0, 600))).replace(microsecond=0)
        client, agent, bot = rng.choice(VISITORS)
        if bot:
            for target, status, size in (rng.choice(BOT_ONLY), rng.choice(PAGES)):
                lines.append(AccessLine(at, client, "GET", target, status, size, "-", agent))
                at += timedelta(seconds=rng.randint(1, 20))
            continue
        target, status, size = rng.choice(PAGES)
        referer = rng.choice(("-", home, f"{home}blog/", "https://www.example.com/search?q=site"))
        lines.append(AccessLine(at, client, "GET", target, status, size, referer, agent))
        for asset, a_status, a_size in rng.sample(ASSETS, 2):
            at += timedelta(seconds=1)
            lines.append(AccessLine(at, client, "GET", asset, a_status, a_size, f"{home}{target[1:]}", agent))
        if n % 15 == 7:
            at += timedelta(seconds=rng.randint(20, 90))
            lines.append(
                AccessLine(at, client, "POST", "/contact.php", 200, 3102, f"{home}contact.php", agent)
            )
        if n % 30 == 11:
            login = f"{home}wp-login.php"
            lines.append(AccessLine(at, client, "GET", "/wp-login.php", 200, 4211, home, agent))
            at += timedelta(seconds=9)
            lines.append(AccessLine(at, client, "POST", "/wp-login.php", 302, 0, login, agent))
            lines.append(AccessLine(at, client, "GET", "/wp-admin/", 200, 30551, login, agent))
    return lines


def scanner_burst(rng: random.Random, start: datetime, client: str, agent: str) -> list[AccessLine]:
    """Nikto's probe list (several a second), or a gobuster word list run against the site."""
    lines: list[AccessLine] = []
    at = start
    if agent == GOBUSTER:
        for word in WORDLIST * 3:
            at += timedelta(milliseconds=rng.randint(50, 300))
            status, size = (301, 325) if word in ("wp-content", "uploads") else (404, 491)
            lines.append(
                AccessLine(at.replace(microsecond=0), client, "GET", f"/{word}", status, size, "-", agent)
            )
        return lines
    for path, status, size in PROBES * 3:
        at += timedelta(milliseconds=rng.randint(100, 600))
        lines.append(AccessLine(at.replace(microsecond=0), client, "GET", path, status, size, "-", agent))
    return lines
