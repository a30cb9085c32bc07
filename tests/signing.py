"""The customer's signature as the phone's pad sends it (issue 14): sign-off
and take-back need one, or the reason the customer refused."""

import base64
import io

from PIL import Image, ImageDraw


def drawn_png_url(size=(300, 120)) -> str:
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(20, 60), (120, 20), (200, 100), (280, 40)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def signed(**body) -> dict:
    """An action's body (or a service's `extra`) with the customer's signature."""
    return {**body, "signature": drawn_png_url()}


SIGNED = {"signature": drawn_png_url()}
