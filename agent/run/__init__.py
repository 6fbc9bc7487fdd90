"""Running a case: opening or reopening it (session) and driving its graph until it ends or pauses."""
