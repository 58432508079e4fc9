"""Chat channels. `guard` is plain logic shared by every channel; the others are Rasa input channels."""
