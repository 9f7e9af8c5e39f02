"""A direct DevTools connection to the page of a local Chromium, beside chromedriver's own.

Every WebDriver command goes Python -> chromedriver -> DevTools and back, and after a navigation
chromedriver polls the page until it judges loading finished: about 20 ms per page beyond the
page's own load event, and a few ms per script call. The audit's steps that repeat on every page
(load it, run axe, the focus check's key presses and calls, screenshots) use this connection
instead; chromedriver keeps its session and serves everything else (frames, window sizes,
scripts with element arguments). Remote WebDriver endpoints (--remote) never get one.

The protocol: one JSON message per command with an ``id``; the answer carries the same ``id``;
everything else is an event (https://chromedevtools.github.io/devtools-protocol/).
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.request

import websocket
from selenium.common.exceptions import JavascriptException, TimeoutException, WebDriverException


class NotAPage(Exception):
    """The address gave no document to audit (a download, a 204, an aborted load)."""


def evaluation(expression: str, await_promise: bool = False) -> dict:
    """Parameters of ``Runtime.evaluate`` for a JSON value of ``expression`` in the top document."""
    return {"expression": expression, "returnByValue": True, "awaitPromise": await_promise}


def evaluation_value(answer: dict):
    """The value from a ``Runtime.evaluate`` answer; a script error as JavascriptException (as WebDriver's
    script commands raise it)."""
    if "exceptionDetails" in answer:
        details = answer["exceptionDetails"]
        message = (details.get("exception") or {}).get("description") or details.get("text") or "script error"
        raise JavascriptException(f"javascript error: {message.splitlines()[0]}")
    return answer.get("result", {}).get("value")


class DevToolsPage:
    """One page target of a local Chromium, over its DevTools WebSocket."""

    def __init__(self, websocket_url: str):
        # No Origin header: Chromium refuses DevTools connections from web origins it was not told about.
        self.socket = websocket.create_connection(websocket_url, timeout=10, suppress_origin=True)
        self.ids = itertools.count(1)
        self.loaded: set[str] = set()
        self.stopped: set[str] = set()
        self.call("Page.enable", timeout=10)
        self.call("Page.setLifecycleEventsEnabled", {"enabled": True}, timeout=10)
        # An audited address that turns out to be a file must not land in the user's Downloads.
        self.call("Browser.setDownloadBehavior", {"behavior": "deny"}, timeout=10)

    @classmethod
    def attach(cls, debugger_address: str, target_id: str) -> DevToolsPage:
        """Connect to the page target ``target_id`` (chromedriver's window handle) of the browser whose
        DevTools listen on ``debugger_address`` (``host:port``); the only page target if that id is unknown."""
        with urllib.request.urlopen(f"http://{debugger_address}/json/list", timeout=10) as answer:
            targets = [target for target in json.load(answer) if target.get("type") == "page"]
        chosen = [target for target in targets if target.get("id") == target_id]
        if not chosen and len(targets) == 1:
            chosen = targets
        if not chosen or not chosen[0].get("webSocketDebuggerUrl"):
            raise WebDriverException(f"no DevTools page target {target_id} at {debugger_address}")
        return cls(chosen[0]["webSocketDebuggerUrl"])

    def call(self, method: str, params: dict | None = None, timeout: float = 30.0) -> dict:
        """Send one command and wait for its answer (events that arrive meanwhile are handled)."""
        command = self._send(method, params)
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline, method)
            if message.get("id") == command:
                return self._result(message, method)

    def navigate(self, url: str, timeout: float) -> None:
        """Load ``url`` in the page and return once its load event has fired (error pages included).

        Raises TimeoutException when it does not load within ``timeout`` seconds, and NotAPage when
        the address gives no document (a download, a 204, an aborted load): the previous document is
        then still there and must not be audited in its place. The load is matched to this
        navigation by its loader id, so a late event of the previous document cannot end the wait.
        """
        deadline = time.monotonic() + timeout
        self.loaded.clear()
        command = self._send("Page.navigate", {"url": url})
        result = None
        while True:
            message = self._receive(deadline, "page load")
            if message.get("id") == command:
                result = self._result(message, "Page.navigate")
                if result.get("isDownload"):
                    raise NotAPage("the address is a download, not a page")
                if not result.get("loaderId"):
                    if result.get("errorText"):
                        # A crashed page answers like this; the crash shows up as an event while
                        # this probe waits.
                        self.call("Runtime.evaluate", {"expression": "0"}, timeout=max(1.0, deadline - time.monotonic()))
                        raise NotAPage(f"the address gave no page to audit ({result['errorText']})")
                    return  # same-document navigation: nothing new to load
                self.stopped.clear()  # only stops reported after the answer concern this navigation
            if result is None:
                continue
            if result["loaderId"] in self.loaded:
                return
            if result.get("errorText") and result.get("frameId") in self.stopped:
                # Failed loads that show an error page commit it and fire its load event first;
                # one that stops loading without that committed nothing.
                raise NotAPage(f"the address gave no page to audit ({result['errorText']})")

    def close(self) -> None:
        """Drop the connection (the browser itself stays)."""
        try:
            self.socket.close()
        except (OSError, websocket.WebSocketException):
            pass  # already gone with the browser

    def _send(self, method: str, params: dict | None) -> int:
        """Send a command; its id."""
        command = next(self.ids)
        try:
            self.socket.send(json.dumps({"id": command, "method": method, "params": params or {}}))
        except (OSError, websocket.WebSocketException) as error:
            raise WebDriverException(f"DevTools connection lost: {type(error).__name__}") from None
        return command

    def _receive(self, deadline: float, waiting_for: str) -> dict:
        """The next message, handling the events the audit cares about on the way."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutException(f"timeout: {waiting_for} did not finish in time")
        self.socket.settimeout(remaining)
        try:
            message = json.loads(self.socket.recv())
        except websocket.WebSocketTimeoutException:
            raise TimeoutException(f"timeout: {waiting_for} did not finish in time") from None
        except (OSError, websocket.WebSocketException, ValueError) as error:
            raise WebDriverException(f"DevTools connection lost: {type(error).__name__}") from None
        event = message.get("method")
        if event == "Page.lifecycleEvent" and message["params"].get("name") == "load":
            self.loaded.add(message["params"].get("loaderId", ""))
        elif event == "Page.frameStoppedLoading":
            self.stopped.add(message["params"].get("frameId", ""))
        elif event == "Inspector.targetCrashed":
            raise WebDriverException("the page crashed")
        elif event == "Inspector.detached":
            raise WebDriverException(f"the page was closed ({message['params'].get('reason', 'detached')})")
        elif event == "Page.javascriptDialogOpening":
            # An alert would hold the page (and the audit) until someone answers it; dismiss it as
            # chromedriver's default prompt behaviour does.
            self._send("Page.handleJavaScriptDialog", {"accept": False})
        return message

    @staticmethod
    def _result(message: dict, method: str) -> dict:
        """The result of an answer, or the protocol error as a WebDriverException."""
        if "error" in message:
            error = message["error"]
            raise WebDriverException(f"{method}: {error.get('message', 'DevTools error')} {error.get('data', '')}".strip())
        return message.get("result", {})
