"""Evidence photos are decoded and written afresh: what is stored and served is only pixels,
upright, in the format that was sent; anything that does not decode is the photo's error."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

import pytest

from points.activities import services as claims
from points.errors import InvalidInput
from tests.activities.photos import GPS_IFD, JPEG, jpeg, opened, picture, png
from tests.conftest import api_token, csrf_token, sign_in

HTML = b"<html><script>alert(document.cookie)</script></html>"


def stored(evidence) -> bytes:
    return claims.evidence_path(evidence).read_bytes()


def served(client, volunteer, today, evidence) -> bytes:
    """The photo as the claim's page links it, fetched by its owner."""
    claim = claims.submit_claim(
        volunteer,
        activity_type="patrol-routine",
        occurred_on=today - timedelta(days=1),
        quantity=1,
        photo=evidence.token,
    )
    from points.extensions import db

    db.session.commit()
    sign_in(client, volunteer.phone)
    answer = client.get(f"/claims/{claim.id}/photo")
    assert answer.status_code == 200
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.mimetype == evidence.content_type
    return answer.data


def test_a_jpeg_with_html_appended_is_served_as_a_clean_jpeg(client, volunteer, today):
    evidence = claims.save_evidence(volunteer, jpeg(gps=True) + HTML)
    data = served(client, volunteer, today, evidence)
    assert data == stored(evidence)
    assert evidence.content_type == "image/jpeg" and evidence.stored_name.endswith(".jpg")
    assert b"<html" not in data and b"script" not in data
    assert data.startswith(b"\xff\xd8\xff") and data.endswith(b"\xff\xd9")  # nothing after
    image = opened(data)
    assert image.format == "JPEG" and image.size == (40, 20)
    assert not image.getexif() and "exif" not in image.info and "comment" not in image.info


def test_a_jpegs_gps_position_and_camera_are_dropped(volunteer):
    original = jpeg(gps=True)
    assert opened(original).getexif().get_ifd(GPS_IFD)  # the test photo does carry them
    data = stored(claims.save_evidence(volunteer, original))
    image = opened(data)
    assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in data and b"TestPhone" not in data and b"taken at home" not in data


def test_a_photo_taken_sideways_is_stored_upright_without_its_orientation(volunteer):
    # Orientation 6: the camera was turned; viewers rotate it 90° clockwise to show it.
    data = stored(claims.save_evidence(volunteer, jpeg(orientation=6)))
    image = opened(data)
    assert image.size == (20, 40) and not image.getexif()
    red, green, blue = image.convert("RGB").getpixel((17, 2))  # the white corner, turned
    assert min(red, green, blue) > 200


def test_a_pngs_text_chunks_are_dropped_and_it_stays_a_png(volunteer):
    original = png(text={"Comment": "<script>alert(1)</script>", "Location": "31.3N 120.8E"})
    assert opened(original).info["Comment"]
    evidence = claims.save_evidence(volunteer, original + HTML)
    data = stored(evidence)
    assert evidence.content_type == "image/png" and evidence.stored_name.endswith(".png")
    image = opened(data)
    assert image.format == "PNG" and image.size == (40, 20)
    assert "Comment" not in image.info and "Location" not in image.info
    assert b"tEXt" not in data and b"script" not in data and b"<html" not in data
    assert data.endswith(b"IEND\xaeB`\x82")  # the PNG's last chunk, nothing after


def test_a_multi_picture_jpeg_from_a_phone_is_stored_as_its_first_picture(volunteer):
    out = io.BytesIO()
    picture().save(out, format="MPO", save_all=True, append_images=[picture(colour=(0, 0, 255))])
    assert opened(out.getvalue()).format == "MPO"
    evidence = claims.save_evidence(volunteer, out.getvalue())
    image = opened(stored(evidence))
    assert evidence.content_type == "image/jpeg" and image.format == "JPEG"
    assert getattr(image, "n_frames", 1) == 1 and image.getpixel((30, 10))[0] > 150  # red


def test_the_colour_profile_is_kept(volunteer):
    out = io.BytesIO()
    picture().save(out, format="JPEG", icc_profile=b"a colour profile")
    assert opened(stored(claims.save_evidence(volunteer, out.getvalue()))).info["icc_profile"]


def test_transparency_survives(volunteer):
    see_through = picture().convert("RGBA")
    see_through.putpixel((30, 10), (0, 0, 0, 0))
    image = opened(stored(claims.save_evidence(volunteer, png(see_through))))
    assert image.mode == "RGBA" and image.getpixel((30, 10))[3] == 0


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 200,  # a JPEG's first bytes, then nothing of one
        b"\xff\xd8\xff" + HTML,
        b"\x89PNG\r\n\x1a\n" + HTML,
        JPEG[: len(JPEG) // 2],  # cut short
    ],
    ids=["zeros", "jpeg-magic-html", "png-magic-html", "truncated"],
)
def test_bytes_that_do_not_decode_are_the_photos_error(volunteer, data):
    with pytest.raises(InvalidInput, match="cannot be read as a photo") as error:
        claims.save_evidence(volunteer, data)
    assert list(error.value.errors) == ["photo"]


def test_a_jpeg_header_on_a_png_is_refused(volunteer):
    with pytest.raises(InvalidInput) as error:
        claims.save_evidence(volunteer, b"\xff\xd8\xff" + png()[3:])
    assert list(error.value.errors) == ["photo"]


def test_too_many_pixels_is_the_photos_error(app, volunteer):
    app.config["EVIDENCE_MAX_PIXELS"] = 1_000_000
    with pytest.raises(InvalidInput, match="at most 1 megapixels") as error:
        claims.save_evidence(volunteer, png(picture((1001, 1000))))
    assert list(error.value.errors) == ["photo"]
    assert claims.save_evidence(volunteer, png(picture((1000, 1000))))


def bomb_png(width: int, height: int) -> bytes:
    """A few bytes that claim to be a huge PNG (only its header is real)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [10_000, 100_000], ids=["past-our-cap", "past-pillows-cap"])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, volunteer, side):
    answer = client.post(
        "/api/v1/uploads",
        data={"photo": (io.BytesIO(bomb_png(side, side)), "bomb.png")},
        headers=api_token(client, volunteer.phone),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"photo": ["must be at most 40 megapixels"]}


def test_the_claim_form_says_the_photo_could_not_be_read(client, volunteer, today):
    sign_in(client, volunteer.phone)
    answer = client.post(
        "/claims/new",
        data={
            "csrf_token": csrf_token(client, "/claims/new"),
            "activity_type": "patrol-routine",
            "occurred_on": (today - timedelta(days=1)).isoformat(),
            "quantity": "1",
            "photo": (io.BytesIO(b"\xff\xd8\xff" + HTML), "p.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert "照片无法读取" in answer.get_data(as_text=True)
