"""GL context, effect programs, the compositor and the JPEG encoder. No Flask, no gaze, no store."""
