"""Photo figures (#11, #12): what taking a phone photo costs the web worker, against decoding it alone.

- taking it: `app.photos.receive` on a 12-megapixel JPEG with EXIF GPS: Pillow reads all of it,
  decoding at the copy's scale (JPEG DCT scaling), the EXIF is read, and the copy readers get is made
  (turned upright, shrunk to 1600 px, re-encoded without EXIF);
- peer, in the same run: Pillow opening and decoding the same JPEG and nothing else.

No database is needed. Run alone with `python -m bench.photos [--repeat N]`.
"""

import argparse
import io

from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage

from bench.work import _median_ms  # one way of timing a step across the benchmarks


def phone_jpeg(size=(4000, 3000)) -> bytes:
    """Return a JPEG like a phone's: 12 MP of textured content, EXIF GPS and DateTimeOriginal."""
    noise = Image.effect_noise(size, 40).convert("RGB")
    image = Image.blend(noise, Image.linear_gradient("L").resize(size).convert("RGB"), 0.6)
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:12:07 10:00:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (26.0, 30.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (107.0, 5.0, 1.25)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def run(repeat: int = 7) -> dict[str, float]:
    """Print and return the medians (ms) of taking a photo and of the peer decode."""
    from app import create_app, photos

    app = create_app({"SECRET_KEY": "bench"})
    data = phone_jpeg()
    with app.app_context():
        taking = _median_ms(lambda: photos.receive(FileStorage(io.BytesIO(data), "IMG.jpg")), repeat)
    peer = _median_ms(lambda: Image.open(io.BytesIO(data)).load(), repeat)
    print(f"photo: a 12 MP JPEG of {len(data) / 1024**2:.1f} MiB, median of {repeat}")
    print(f"  taking it (decode, EXIF, copy) {taking:6.0f} ms  {taking / peer:4.2f}× the peer")
    print(f"  peer: Pillow decode alone      {peer:6.0f} ms")
    return {"taking": taking, "peer": peer}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7, help="Runs per timed step (the median is quoted).")
    run(parser.parse_args().repeat)
