"""The Salesforce simulator in a process of its own, for tests that measure the bot's
memory: the simulator's allocations then stay out of the figure, as Salesforce's would.

Run as ``python -m tests.support.simulator_process``: it prints ``url <base URL>``, then
obeys lines on stdin: ``generate <Object> <count>`` adds records (answering ``ok <total>``),
``quit`` (or the end of stdin) stops it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class SimulatorProcess:
    """A running simulator process: its URL, and a way to send it a command."""

    url: str
    process: subprocess.Popen[str]

    def send(self, command: str) -> str:
        """Send one command line and return the answer line."""
        if self.process.stdin is None or self.process.stdout is None:
            raise RuntimeError("the simulator process has no pipes")
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if not answer.startswith("ok"):
            raise RuntimeError(f"the simulator process answered {answer!r} to {command!r}")
        return answer


@contextmanager
def simulator_process() -> Iterator[SimulatorProcess]:
    """Start the simulator in a child process; stop it afterwards."""
    process = subprocess.Popen([sys.executable, "-m", "tests.support.simulator_process"], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline().split() if process.stdout else []
        if first[:1] != ["url"]:
            raise RuntimeError("the simulator process did not start")
        yield SimulatorProcess(first[1], process)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)


def main() -> int:
    from bot.simulator import SalesforceSimulator

    with SalesforceSimulator() as simulator:
        print(f"url {simulator.url}", flush=True)
        for line in sys.stdin:
            words = line.split()
            if not words or words[0] == "quit":
                break
            if words[0] == "generate":
                simulator.org.generate(words[1], int(words[2]))
                print(f"ok {simulator.org.count(words[1], include_deleted=True)}", flush=True)
            else:
                print(f"unknown command {words[0]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
