"""Channels: a content source, the effect chain, the renderer thread and the MJPEG broadcaster."""
