"""What a Dockerfile's final stage gives the container: ENV, USER, WORKDIR, CMD and VOLUMEs.

Read statically (there is no Docker engine here). A declared VOLUME carries the owner and mode
its path has at that point of the build, taken from the `chown`/`chmod` commands of the RUN
instructions before it (names resolved from `groupadd`/`useradd` in the same stage); a path
nobody chowns counts as root-owned 0755, the conservative reading of what Fargate gives.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

# Docker's default PATH for a Linux container, the value `$PATH` expands to in the first ENV.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ROOT_DIR_MODE = 0o755


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    found = instructions(dockerfile)
    last_from = max(i for i, (k, _) in enumerate(found) if k == "FROM")
    return found[last_from:]


@dataclass(frozen=True)
class Owner:
    uid: int
    gid: int
    mode: int


@dataclass
class Image:
    """The parts of an image that decide how its container runs."""

    env: dict[str, str] = field(default_factory=dict)
    user: str = "0"
    workdir: str = "/"
    cmd: list[str] = field(default_factory=list)
    volumes: dict[str, Owner] = field(default_factory=dict)


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), value)


def _list_or_words(text: str) -> list[str]:
    if text.startswith("["):
        return [str(v) for v in json.loads(text)]
    return text.split()


class _Ownership:
    """Tracks the owner and mode the RUN commands give each path."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {"root": 0}
        self.paths: dict[str, Owner] = {}

    def _id(self, name: str) -> int:
        return int(name) if name.isdigit() else self.names[name]

    def run(self, script: str) -> None:
        for command in re.split(r"&&|;|\|\|", script):
            words = shlex.split(command)
            if not words:
                continue
            args = [w for w in words[1:] if not w.startswith("-")]
            options = words[1:]
            if words[0] in ("groupadd", "useradd") and "--gid" in options and args:
                flag = "--uid" if words[0] == "useradd" else "--gid"
                if flag in options:
                    self.names[args[-1]] = int(options[options.index(flag) + 1])
            elif words[0] == "chown" and len(args) >= 2:
                user, _, group = args[0].partition(":")
                for path in args[1:]:
                    old = self.paths.get(path, Owner(0, 0, ROOT_DIR_MODE))
                    gid = self._id(group) if group else old.gid
                    self.paths[path] = Owner(self._id(user), gid, old.mode)
            elif words[0] == "chmod" and len(args) >= 2 and re.fullmatch(r"[0-7]{3,4}", args[0]):
                for path in args[1:]:
                    old = self.paths.get(path, Owner(0, 0, ROOT_DIR_MODE))
                    self.paths[path] = Owner(old.uid, old.gid, int(args[0], 8))

    def of(self, path: str) -> Owner:
        return self.paths.get(path, Owner(0, 0, ROOT_DIR_MODE))


def read_image(dockerfile: Path) -> Image:
    image = Image(env={"PATH": DEFAULT_PATH})
    ownership = _Ownership()
    for keyword, rest in final_stage(dockerfile):
        if keyword == "ENV":
            for word in shlex.split(rest):
                name, _, value = word.partition("=")
                image.env[name] = _expand(value, image.env)
        elif keyword == "USER":
            image.user = rest
        elif keyword == "WORKDIR":
            image.workdir = rest
        elif keyword == "CMD":
            image.cmd = _list_or_words(rest)
        elif keyword == "RUN":
            ownership.run(rest)
        elif keyword == "VOLUME":
            for path in _list_or_words(rest):
                image.volumes[path] = ownership.of(path)
    return image
