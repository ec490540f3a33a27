"""paddle.dataset.common: where the datasets live and how they get there.

Files live in DATA_HOME/<module>/ (DATA_HOME is ~/.cache/paddle/dataset as in fluid 1.8, or
the directory the environment variable MINIFLUID_DATA_HOME names). `download` uses a file
already there as it is (so a copy made by hand, or a smaller file in the same format, is
read); otherwise it downloads the URL with urllib and checks its md5. Without a network the
error names the file, the URL and the path to put it at.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.request

__all__ = ["DATA_HOME", "data_home", "download", "md5file", "DownloadError"]

DATA_HOME = os.path.expanduser("~/.cache/paddle/dataset")


class DownloadError(RuntimeError):
    """A dataset file is not on disk and could not be downloaded (or its md5 is wrong)."""


def data_home() -> str:
    """The directory datasets live in: $MINIFLUID_DATA_HOME, else DATA_HOME."""
    return os.environ.get("MINIFLUID_DATA_HOME") or DATA_HOME


def md5file(fname) -> str:
    h = hashlib.md5()
    with open(fname, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(url: str, module_name: str, md5sum: str, save_name: str | None = None) -> str:
    """The path of `url`'s file in data_home()/module_name/: the file already there, or one
    downloaded now and checked against md5sum."""
    dirname = os.path.join(data_home(), module_name)
    filename = os.path.join(dirname, save_name or url.split("/")[-1])
    if os.path.exists(filename):
        return filename
    os.makedirs(dirname, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dirname, prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as r:
            shutil.copyfileobj(r, out)
        got = md5file(tmp)
        if got != md5sum:
            raise DownloadError(f"paddle.dataset.{module_name}: the file downloaded from {url} "
                                f"has md5 {got}, expected {md5sum}; not saved as {filename}")
        os.replace(tmp, filename)
    except (OSError, http.client.HTTPException) as e:  # no network, refused, cut, disk full
        raise DownloadError(f"paddle.dataset.{module_name}: {os.path.basename(filename)} is "
                            f"not on disk and could not be downloaded from {url} ({e}); "
                            f"download it by hand and put it at {filename} (set "
                            f"MINIFLUID_DATA_HOME to use another data home)") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return filename
