def test_progress_writes_every_stage_change_and_throttles_counts():
    from annotator.runner import Throttled

    written = []
    progress = Throttled(lambda stage, n: written.append((stage, n)), interval=60)
    for n in (0, 10, 20):
        progress("validating", n)
    progress("annotating", 20)
    progress("done", 20)
    assert written == [("validating", 0), ("annotating", 20), ("done", 20)]
