"""Browsers for the audit: headless Chromium through a chromedriver (never Selenium Manager), or any
W3C WebDriver endpoint with --remote. A browser that hangs or crashes is thrown away and replaced.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from urllib3.exceptions import MaxRetryError, ProtocolError
from websocket import WebSocketException

from audits.devtools import DevToolsPage, evaluation, evaluation_value

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--force-color-profile=srgb",
    # Each page lives for one audit: V8's optimising compilers would compile axe again for every
    # document on background threads and never pay back within it (measured: about 15% less CPU
    # per page, the same results).
    "--js-flags=--max-opt=1",
)

# How chromedriver names the throwaway profile folder it makes for each session (in the temporary folder).
CHROMEDRIVER_PROFILE_PREFIX = "org.chromium.Chromium.scoped_dir."

# Tab as DevTools input events (what chromedriver itself sends for a key press, without its overhead).
TAB_KEY = {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9, "nativeVirtualKeyCode": 9}
MISSING = "__contentapi_missing__"


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc; empty where there is no /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def process_start(pid: int) -> int:
    """When a running process started (clock ticks since boot); -1 when it is gone, a zombie, or
    there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return -1 if fields[0] == "Z" else int(fields[19])
    except (OSError, IndexError, ValueError):
        return -1


def temporary_profile(pids: list[int]) -> Path | None:
    """The throwaway profile folder chromedriver made for the Chromium among ``pids`` (None when
    there is none to be seen, or the profile is not one of chromedriver's temporary folders)."""
    for pid in pids:
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        for argument in arguments:
            if argument.startswith("--user-data-dir="):
                folder = Path(argument.split("=", 1)[1])
                if folder.name.startswith(CHROMEDRIVER_PROFILE_PREFIX) and folder.parent == Path(tempfile.gettempdir()):
                    return folder
    return None


def kill_tree(pid: int) -> None:
    """SIGKILL a process and everything it started."""
    for victim in [*descendants(pid), pid]:
        try:
            os.kill(victim, signal.SIGKILL)
        except OSError:
            pass  # already gone


class BrowserError(RuntimeError):
    """The browser could not be started (one line for the command line)."""


def find_chromedriver(path: str | None) -> str:
    """The chromedriver to use: the one given, or the one on PATH."""
    if path:
        # Checked here: handed a missing path, Selenium would fall back to downloading a driver.
        resolved = shutil.which(path)
        if not resolved:
            raise BrowserError(f"--driver {path}: no such executable")
        return resolved
    resolved = shutil.which("chromedriver")
    if not resolved:
        raise BrowserError("chromedriver not found on PATH; install it or pass --driver PATH")
    return resolved


def chromium_options(width: int, height: int, binary: str | None = None) -> Options:
    """Headless Chromium options that work on locked-down machines (root, no GPU, no network)."""
    options = Options()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    if binary is None:
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary:
        options.binary_location = binary
    # Every page gets our own page-load limit; "normal" waits for the load event.
    options.page_load_strategy = "normal"
    return options


class Browser:
    """One browser session and what the audit asks of it."""

    def __init__(self, driver, service: Service | None, remote: bool, timeout: float, window: tuple[int, int],
                 devtools: DevToolsPage | None = None):
        self.driver = driver
        self.service = service
        self.remote = remote
        self.window = window
        self.timeout = timeout
        self.devtools = devtools
        self.cdp = not remote and (devtools is not None or hasattr(driver, "execute_cdp_cmd"))
        driver.set_page_load_timeout(timeout)
        driver.set_script_timeout(timeout)
        self.chrome_width = 0
        self.axe_preloaded = False
        # What the current page's states changed (undone by audits.states.reset).
        self.emulated = False
        self.emulated_narrow = False
        # The current page's deadline (time.monotonic()), or None between pages.
        self.deadline: float | None = None
        # (pid, start time) of the processes chromedriver started for this browser, and the profile
        # folder it made for it, for kill().
        self.browser_processes: list[tuple[int, int]] = []
        self.profile_dir: Path | None = None
        if service is not None and service.process is not None:
            self.browser_processes = [(pid, process_start(pid)) for pid in descendants(service.process.pid)]
            self.profile_dir = temporary_profile([pid for pid, _ in self.browser_processes])

    def execute(self, script: str, *arguments):
        """Run a script in the current frame and return its value."""
        return self.driver.execute_script(script, *arguments)

    def remaining(self) -> float:
        """Seconds a call may take: the per-call limit, cut to what is left of the page's deadline;
        TimeoutException once the deadline has passed."""
        if self.deadline is None:
            return self.timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutException("timeout: the page's deadline has passed")
        return min(self.timeout, left)

    def start_page(self, seconds: float) -> None:
        """Start the deadline of a page: DevTools calls after it must end within ``seconds`` from now
        (a WebDriver call that outlasts the deadline is ended by the engine's watchdog)."""
        self.deadline = time.monotonic() + seconds

    def end_page(self) -> None:
        """The page is done: calls are limited per call again."""
        self.deadline = None

    def navigate(self, url: str) -> None:
        """Load ``url`` and wait for its load event; TimeoutException past the page-load limit.

        Over the direct DevTools connection where there is one (about 20 ms sooner per page than
        WebDriver's navigation, which polls the page after its load), else WebDriver's.
        """
        if self.devtools is not None:
            self.devtools.navigate(url, self.remaining())
        else:
            self.driver.get(url)

    def command(self, method: str, params: dict | None = None) -> dict:
        """A DevTools command (local Chromium only): over the direct connection, else through chromedriver."""
        if self.devtools is not None:
            return self.devtools.call(method, params, timeout=self.remaining())
        return self.driver.execute_cdp_cmd(method, params or {})

    def evaluate(self, expression: str, await_promise: bool = False):
        """The JSON value of ``expression`` in the top document, through DevTools (awaited when it is a
        promise); a script error raises JavascriptException."""
        return evaluation_value(self.command("Runtime.evaluate", evaluation(expression, await_promise)))

    def press_tab(self) -> None:
        """Press and release Tab as a keyboard user does: trusted key events, so the browser moves focus."""
        if self.cdp:
            self.command("Input.dispatchKeyEvent", {"type": "rawKeyDown", **TAB_KEY})
            self.command("Input.dispatchKeyEvent", {"type": "keyUp", **TAB_KEY})
        else:
            ActionChains(self.driver).send_keys(Keys.TAB).perform()

    def run_in_top(self, name: str, body: str, argument):
        """Run a script body (it reads ``arguments[0]`` and returns a JSON value) in the top document.

        Locally the body is defined once per document as ``window[name]`` through DevTools, and
        each later call sends only the argument: about 2 ms instead of the 6 ms of a WebDriver
        script call that sends and compiles the whole body (the focus check makes two calls per
        Tab stop). Elsewhere, a WebDriver script call in the current frame, which callers keep at
        the top document.
        """
        if not self.cdp:
            return self.driver.execute_script(body, argument)
        global_name = json.dumps(name)
        call = f"(typeof window[{global_name}] === 'function' ? window[{global_name}]({json.dumps(argument)}) : {json.dumps(MISSING)})"
        value = self.evaluate(call)
        if value == MISSING:
            value = self.evaluate(f"(window[{global_name}] = function () {{\n{body}\n}})({json.dumps(argument)})")
        return value

    def set_width(self, width: int, height: int | None = None) -> None:
        """Make the viewport ``width`` CSS pixels wide (window chrome added where there is any), and
        the window ``height`` tall when given."""
        self.driver.set_window_size(width + self.chrome_width, height or self.window[1])

    def restore_size(self) -> None:
        """Back to the audit's normal window size."""
        self.driver.set_window_size(self.window[0], self.window[1])

    def capture(self, rect: tuple[float, float, float, float] | None = None, scroll: tuple[float, float] = (0, 0)):
        """A screenshot of the viewport, or of a rectangle of it (viewport CSS pixels; ``scroll`` is the
        page's scroll offset, which DevTools clips count from), as a Pillow image."""
        from PIL import Image

        if self.cdp:
            # DevTools directly: about half the time of a WebDriver screenshot, and the same surface
            # whether the whole viewport or a clip of it is taken.
            parameters: dict = {"format": "png", "optimizeForSpeed": True}
            if rect is not None:
                left, top, width, height = rect
                parameters["clip"] = {"x": left + scroll[0], "y": top + scroll[1], "width": width, "height": height,
                                      "scale": 1}
            data = self.command("Page.captureScreenshot", parameters)["data"]
            return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
        image = Image.open(io.BytesIO(self.driver.get_screenshot_as_png())).convert("RGB")
        if rect is not None:
            left, top, width, height = rect
            image = image.crop((int(left), int(top), int(left + width), int(top + height)))
        return image

    def driver_alive(self) -> bool:
        """Whether the local chromedriver is still running (a remote endpoint is assumed to be)."""
        return self.service is None or self.service.process is None or self.service.process.poll() is None

    def kill(self) -> None:
        """End the browser now, even when it hangs (the blocked command then fails): chromedriver and
        every process it started, so no Chromium is left behind, also when chromedriver died first
        (its Chromium then no longer descends from it)."""
        if self.service is not None and self.service.process is not None:
            kill_tree(self.service.process.pid)
        for pid, started in self.browser_processes:
            if process_start(pid) == started:  # the same process, not a later one given its number
                kill_tree(pid)
        if self.profile_dir is not None:
            # chromedriver deletes it on a polite quit only; killed, it would stay in the temp folder.
            shutil.rmtree(self.profile_dir, ignore_errors=True)

    def quit(self) -> None:
        """End the session politely, then make sure chromedriver and its Chromium are gone."""
        finished = threading.Event()

        def polite():
            """Quit the session (in a thread: a dead browser can block)."""
            try:
                self.driver.quit()
            except Exception:  # noqa: BLE001 - a dead browser cannot be quit politely
                pass
            finished.set()

        orphaned = not self.driver_alive()  # chromedriver died first: nobody would end its Chromium
        if self.devtools is not None:
            self.devtools.close()
        threading.Thread(target=polite, daemon=True).start()
        if not finished.wait(10) or orphaned:
            self.kill()
        elif self.profile_dir is not None:
            # Gone after a normal quit; chromedriver leaves it when its browser had died first.
            shutil.rmtree(self.profile_dir, ignore_errors=True)


def attach_devtools(driver) -> DevToolsPage | None:
    """A direct DevTools connection to the window chromedriver drives, or None where chromedriver does
    not say where its browser's DevTools listen (its own DevTools commands then serve instead)."""
    address = (driver.capabilities.get("goog:chromeOptions") or {}).get("debuggerAddress")
    if not address:
        return None
    try:
        return DevToolsPage.attach(address, driver.current_window_handle)
    except (OSError, WebDriverException, WebSocketException, ValueError):
        return None


class BrowserFactory:
    """Starts browsers: local headless Chromium, or sessions on a remote WebDriver endpoint."""

    def __init__(self, driver_path: str | None, remote_url: str | None, timeout: float,
                 window: tuple[int, int], binary: str | None = None):
        self.remote_url = remote_url
        self.timeout = timeout
        self.window = window
        self.binary = binary
        self.driver_path = None if remote_url else find_chromedriver(driver_path)

    def start(self) -> Browser:
        """A new browser session, ready for the audit."""
        width, height = self.window
        try:
            if self.remote_url:
                from selenium.webdriver.remote.client_config import ClientConfig

                # The endpoint knows where its browser is; only an explicit --browser-binary is passed on.
                options = chromium_options(width, height, self.binary or "")
                config = ClientConfig(remote_server_addr=self.remote_url, timeout=int(self.timeout + 30))
                driver = webdriver.Remote(command_executor=self.remote_url, options=options, client_config=config)
                service = None
            else:
                service = Service(executable_path=self.driver_path)
                driver = webdriver.Chrome(service=service, options=chromium_options(width, height, self.binary))
        except WebDriverException as error:
            message = (error.msg or str(error)).strip().splitlines()[0]
            where = self.remote_url or self.driver_path
            raise BrowserError(f"could not start a browser through {where}: {message}") from None
        except (OSError, MaxRetryError, ProtocolError) as error:
            where = self.remote_url or self.driver_path
            raise BrowserError(f"could not start a browser through {where}: {type(error).__name__}") from None
        browser = Browser(driver, service, bool(self.remote_url), self.timeout, self.window,
                          None if self.remote_url else attach_devtools(driver))
        inner, outer = driver.execute_script("return [window.innerWidth, window.outerWidth]")
        browser.chrome_width = max(0, int(outer) - int(inner)) if int(outer) > int(inner) and outer - inner < 60 else 0
        return browser
