"""Real browser traffic for the benchmarks: header sets as browsers send them, and junk.

wrk with one fixed set of headers is the best case for any cache keyed on headers, and says
nothing about what a hospital's readers send: every browser, version and language setting sends
a different User-Agent, Accept-Language, Accept-Encoding and Referer, and a returning reader
revalidates with If-None-Match. ``browser_mix`` makes such a mix (seeded, so every run and every
server gets the same one), ``mix_script`` turns it into a wrk script that cycles through it, and
``send_junk`` sends requests whose headers are all unique (what a scanner or a broken client
does) to show that memory stays flat.
"""

from __future__ import annotations

import http.client
import random
import threading
from collections.abc import Callable

from benchmarks.common import HOST

# Accept-Encoding as each engine sends it (Chromium-based browsers also send zstd, which we do not
# offer), plus the clients that send none or gzip only (feed readers, some bots and proxies).
ENGINES = [
    ("chrome", "gzip, deflate, br, zstd", 0.62),
    ("safari", "gzip, deflate, br", 0.20),
    ("firefox", "gzip, deflate, br, zstd", 0.08),
    ("firefox-esr", "gzip, deflate, br", 0.04),
    ("bot", "gzip", 0.04),
    ("plain", "identity", 0.02),
]
USER_AGENTS = {
    "chrome": "Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 {mobile}Safari/537.36",
    "safari": "Mozilla/5.0 ({platform}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{major}.1 {mobile}Safari/604.1",
    "firefox": "Mozilla/5.0 ({platform}; rv:{major}.0) Gecko/20100101 Firefox/{major}.0",
    "firefox-esr": "Mozilla/5.0 ({platform}; rv:{major}.0) Gecko/20100101 Firefox/{major}.0",
    "bot": "Mozilla/5.0 (compatible; ExampleBot/{major}.0; +https://bot.example/)",
    "plain": "python-requests/2.{major}.0",
}
PLATFORMS = ["Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7", "X11; Linux x86_64",
             "Linux; Android 14; Pixel 8", "iPhone; CPU iPhone OS 18_1 like Mac OS X"]
# Spanish readers, as browsers word it (the benchmark's pages are Spanish; the API without lang
# negotiates from this). Some prefer English first, as a bilingual reader's browser does.
LANGUAGES = ["es-MX,es;q=0.9,en;q=0.8", "es-ES,es;q=0.9", "es", "es-419,es;q=0.9,en;q=0.8", "es-US,es;q=0.9,en-US;q=0.8",
             "es-AR,es;q=0.9", "es-CO,es-419;q=0.9,es;q=0.8,en;q=0.7", "es;q=1.0, en;q=0.5"]
REFERERS = ["https://www.google.com/", "https://www.bing.com/", "https://hospital-north.example/patients/spine",
            "https://hospital-north.example/search?q={term}", "https://duckduckgo.com/?q={term}", None, None]
TERMS = ["cifoplastia", "vertebroplastia", "fractura+vertebral", "kyphoplasty", "dolor+espalda", "osteoporosis"]


def _weighted(chooser: random.Random, items: list[tuple]) -> tuple:
    total = sum(item[-1] for item in items)
    point = chooser.random() * total
    for item in items:
        point -= item[-1]
        if point <= 0:
            return item
    return items[-1]


def browser_headers(chooser: random.Random, accept: str) -> dict[str, str]:
    """One reader's request headers (no validators): engine, version, platform, language and referrer vary."""
    engine, encoding, _ = _weighted(chooser, ENGINES)
    platform = chooser.choice(PLATFORMS)
    mobile = "Mobile " if "Android" in platform or "iPhone" in platform else ""
    user_agent = USER_AGENTS[engine].format(platform=platform, major=chooser.randint(110, 132), mobile=mobile)
    headers = {"User-Agent": user_agent, "Accept": accept, "Accept-Encoding": encoding,
               "Accept-Language": chooser.choice(LANGUAGES)}
    referer = chooser.choice(REFERERS)
    if referer:
        headers["Referer"] = referer.format(term=chooser.choice(TERMS))
    if engine == "chrome":
        headers.update({"sec-ch-ua": f'"Chromium";v="{chooser.randint(120, 131)}", "Not_A Brand";v="24"',
                        "sec-ch-ua-mobile": "?1" if mobile else "?0", "sec-ch-ua-platform": '"Windows"',
                        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document",
                        "Upgrade-Insecure-Requests": "1", "Priority": "u=0, i"})
    if chooser.random() < 0.1:
        headers["DNT"] = "1"
    return headers


def browser_mix(count: int, accept: str, etag_for: Callable[[str], str] | None, conditional_share: float,
                seed: int = 2026) -> list[dict[str, str]]:
    """``count`` readers' header sets; ``conditional_share`` of them revalidate with the ETag of the
    coding their Accept-Encoding gets (``etag_for(accept_encoding)``), as a returning reader does."""
    chooser = random.Random(seed)
    mix = []
    for _ in range(count):
        headers = browser_headers(chooser, accept)
        if etag_for is not None and chooser.random() < conditional_share:
            headers["If-None-Match"] = etag_for(headers["Accept-Encoding"])
        mix.append(headers)
    return mix


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mix_script(path: str, mix: list[dict[str, str]]) -> str:
    """A wrk script that sends ``mix`` round-robin (each thread from its own offset) and counts 200s and 304s."""
    requests = ",\n".join(
        "  {" + ", ".join(f"[{_lua_string(name)}] = {_lua_string(value)}" for name, value in headers.items()) + "}"
        for headers in mix
    )
    return f"""
local mix = {{
{requests}
}}
local prepared = {{}}
local position = 0
status200, status304, status_other, status5xx = 0, 0, 0, 0
init = function(args)
  for i, headers in ipairs(mix) do prepared[i] = wrk.format("GET", {_lua_string(path)}, headers) end
  position = math.random(#prepared)
end
request = function()
  position = position % #prepared + 1
  return prepared[position]
end
response = function(status, headers, body)
  if status == 200 then status200 = status200 + 1
  elseif status == 304 then status304 = status304 + 1
  else status_other = status_other + 1 end
  if status >= 500 then status5xx = status5xx + 1 end
end
"""


def send_junk(port: int, path: str, count: int, headers_per_request: int, value_bytes: int, host: str,
              connections: int = 4) -> int:
    """Send ``count`` GETs whose extra headers are all unique (names and values), over keep-alive
    connections; return how many were answered 200 (the rest is an error in the report)."""
    answered = [0] * connections

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            for index in range(number, count, connections):
                connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
                connection.putheader("Host", host)
                connection.putheader("User-Agent", f"junk/{index}")
                for field in range(headers_per_request):
                    connection.putheader(f"X-Junk-{field}", f"{index}-{field}-" + "j" * value_bytes)
                connection.endheaders()
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    answered[number] += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection(HOST, port, timeout=30)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(answered)


def rss_mib(pids: list[int]) -> list[float]:
    """Resident memory of each process, in MiB (from /proc)."""
    sizes = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        sizes.append(round(int(line.split()[1]) / 1024, 1))
        except OSError:
            sizes.append(0.0)
    return sizes
