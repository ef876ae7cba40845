"""``syncbot demo --serve``: the demo's Salesforce org, kept running for a real Slack app.

The simulator serves the demo org (:func:`bot.simulator.build_large_demo_org`) until
stopped, and reps keep changing it: a burst of everyday changes about every minute.
A ``syncbot serve`` or ``socket`` with ``SYNCBOT_SALESFORCE_URL`` set to the printed
URL then syncs it like any org, and ``/sync credentials`` takes the printed login.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from functools import partial

from bot.demo_script import SHOWN_OBJECTS
from bot.errors import ConfigError
from bot.messages import MSG
from bot.simulator import (DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME, SalesforceSimulator,
                           build_large_demo_org, simulate_activity)
from storage.types import utcnow

ACTIVITY_EVERY = 60.0
_say = partial(print, flush=True)  # flushed: whoever reads the URL may be a pipe, not a terminal


def serve_demo(*, stop: threading.Event, host: str = "127.0.0.1", port: int = 0,
               activity_every: float = ACTIVITY_EVERY, say: Callable[[str], None] = _say) -> int:
    """Serve the demo org on ``host``:``port`` (0: a free port) until ``stop`` is set;
    returns the process exit code."""
    simulator = SalesforceSimulator(orgs=[build_large_demo_org()], host=host, port=port)
    try:
        simulator.start()
    except OSError as exc:
        raise ConfigError(MSG.demo_serve_cannot_listen.format(host=host, port=port, error=exc.strerror)) from None
    with simulator as salesforce:
        org = salesforce.org
        say(MSG.demo_serve_title)
        say(MSG.demo_salesforce.format(org=org.name, org_id=org.org_id,
                                       **{name: org.count(name) for name in SHOWN_OBJECTS}))
        say(MSG.demo_serve_url.format(url=salesforce.url))
        say(MSG.demo_serve_login.format(username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD,
                                        token=DEFAULT_SECURITY_TOKEN))
        say(MSG.demo_serve_activity.format(seconds=f"{activity_every:g}"))
        burst = 0
        while not stop.wait(activity_every):
            burst += 1
            # Seeded by the burst's number: the same run of the demo changes the same records.
            rng = random.Random(burst)
            changes = simulate_activity(org, seed=burst, creates=rng.randint(1, 5), updates=rng.randint(2, 8),
                                        deletes=rng.randint(0, 2))
            say(MSG.demo_serve_burst.format(at=f"{utcnow():%H:%M:%S}", created=len(changes["created"]),
                                            updated=len(changes["updated"]), deleted=len(changes["deleted"])))
    say(MSG.demo_serve_stopped)
    return 0

