"""One page, many users: `locust -f bench/locustfile.py` with the page in the environment.

BENCH_PATH (the URL path), BENCH_USERNAME / BENCH_PASSWORD, BENCH_USERS (how many simulated
users), BENCH_SECONDS (how long to measure) and BENCH_SETUP_POST (JSON form data POSTed once per
user before measuring). bench/run.py sets them. The stats restart once every user has logged in
(password hashing is deliberately slow and is not what is measured) and the run stops
BENCH_SECONDS later; --run-time is only the hard upper bound.
"""

from __future__ import annotations

import json
import os
import re

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, task

PATH = os.environ.get("BENCH_PATH", "/ping/")
USERNAME = os.environ.get("BENCH_USERNAME", "bench_front_desk_1")
PASSWORD = os.environ.get("BENCH_PASSWORD", "")
USERS = int(os.environ.get("BENCH_USERS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
SETUP_POST = json.loads(os.environ.get("BENCH_SETUP_POST") or "{}")
LOGIN_PATH = "/accounts/login/"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_all_logged_in = Event()
_logged_in = 0


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    if not match:
        raise RuntimeError("no CSRF token in the form")
    return match.group(1)


class PageUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        global _logged_in
        # Like a browser: GET the form (CSRF cookie and token), POST it, follow the redirect.
        page = self.client.get(LOGIN_PATH, name="login form")
        response = self.client.post(
            LOGIN_PATH,
            data={
                "username": USERNAME,
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf_token(page.text),
            },
            headers={"Referer": self.host + LOGIN_PATH},
            name="login",
        )
        if LOGIN_PATH in (response.url or ""):
            raise RuntimeError(f"login as {USERNAME} failed (HTTP {response.status_code})")
        if SETUP_POST:
            form = self.client.get(PATH, name="setup")
            data = {**SETUP_POST, "csrfmiddlewaretoken": csrf_token(form.text)}
            self.client.post(
                PATH.split("?")[0], data=data, headers={"Referer": self.host + PATH}, name="setup"
            )
        _logged_in += 1
        if _logged_in >= USERS:
            runner = self.environment.runner
            runner.stats.reset_all()
            _all_logged_in.set()
            print("bench: all users logged in; measuring", flush=True)
            gevent.spawn_later(SECONDS, runner.quit)
        _all_logged_in.wait(timeout=120)

    @task
    def page(self) -> None:
        with self.client.get(PATH, name="page", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
