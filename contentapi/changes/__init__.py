"""Hearing about changes: the change feed (every published translation and every change of a
procedure's English, in order, behind opaque cursors) and webhooks that deliver it to partners."""
