"""The Docker deployment's files agree with each other (#15): no Docker engine runs here, so what can be
checked without one is checked by reading them."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_every_volume_the_app_image_writes_is_made_for_its_user():
    """A named volume mounted on a folder the image lacks starts owned by root, where the app's user
    cannot write: an export job's file or an upload would fail in the container only."""
    compose = (ROOT / "docker-compose.yml").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    services = compose.split("\nservices:\n", 1)[1].split("\nvolumes:\n")[0]
    app_services = re.split(r"\n  (?=[a-z]+:\n)", services)
    mounted = {
        path
        for service in app_services
        if re.search(r"\n    build: \.\n", service)
        for path in re.findall(r"\n      - [a-z-]+:(/[^\s]+)", service)
    }
    made = set(re.search(r"install -d -o minqing -g minqing ([^\n]+)", dockerfile).group(1).split())
    assert mounted and mounted <= made, f"mounted but not made for the app's user: {sorted(mounted - made)}"
    folders = dict(re.findall(r"\n +([A-Z_]+_FOLDER)[=:] *(/srv/[^\s\\\\]+)", dockerfile + compose))
    assert set(folders.values()) <= made, folders
