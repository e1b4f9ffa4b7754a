# SPDX-License-Identifier: GPL-3.0-or-later
"""Progress of a long operator (Arrange Objects, Add Object, Refine, Change Context) in the
status bar and the cursor's progress counter, cleared however the operator ends."""

from __future__ import annotations

SCENE_STAGES = ("reading the scene", "sampling", "checking collisions", "placing")
EDIT_STAGES = ("reading the scene", "refining", "settling")
LAST_SHOWN: list[str] = []  # the stages the last long operator showed, newest run only


class StatusProgress:
    """`with StatusProgress(context, "Arranging", ("sampling", "checking", "writing")) as p:`
    then `p.stage("checking")` as the work moves on. Without a window (`blender -b`) it only
    keeps the stages, which is also what tests read back (`shown`)."""

    def __init__(self, context, title: str, stages: tuple[str, ...]):
        self.title, self.stages = title, stages
        self.window_manager = getattr(context, "window_manager", None)
        self.workspace = getattr(context, "workspace", None)
        self.shown = LAST_SHOWN
        self.shown.clear()

    def __enter__(self) -> StatusProgress:
        if self.window_manager is not None:
            self.window_manager.progress_begin(0, len(self.stages))
        self.stage(self.stages[0])
        return self

    def stage(self, name: str) -> None:
        step = self.stages.index(name) + 1
        text = f"OOR Arrange: {self.title}: {name} ({step}/{len(self.stages)})"
        self.shown.append(text)
        if self.window_manager is not None:
            self.window_manager.progress_update(step - 1)
        if self.workspace is not None:
            self.workspace.status_text_set(text)

    def __exit__(self, *_exc) -> None:
        if self.window_manager is not None:
            self.window_manager.progress_end()
        if self.workspace is not None:
            self.workspace.status_text_set(None)
