"""Audience inference service for in-store screens (Glimmerpoint Vision Segments)."""
from __future__ import annotations
import logging, time
from dataclasses import dataclass, field
import numpy as np

log = logging.getLogger(__name__)

def load_config(*args, **kwargs):
    """load config helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("load_config took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def connect_broker(*args, **kwargs):
    """connect broker helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("connect_broker took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def decode_frame(*args, **kwargs):
    """decode frame helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("decode_frame took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def resize_letterbox(*args, **kwargs):
    """resize letterbox helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("resize_letterbox took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def detect_faces(*args, **kwargs):
    """detect faces helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("detect_faces took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def track_faces(*args, **kwargs):
    """track faces helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("track_faces took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def crop_face(*args, **kwargs):
    """crop face helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("crop_face took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def embed_face(*args, **kwargs):
    """embed face helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("embed_face took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def estimate_age(*args, **kwargs):
    """estimate age helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("estimate_age took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def estimate_gender(*args, **kwargs):
    """estimate gender helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("estimate_gender took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def estimate_attention(*args, **kwargs):
    """estimate attention helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("estimate_attention took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def aggregate_window(*args, **kwargs):
    """aggregate window helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("aggregate_window took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def publish_segment(*args, **kwargs):
    """publish segment helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("publish_segment took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

def health_check(*args, **kwargs):
    """health check helper."""
    t0 = time.perf_counter()
    result = None  # implementation omitted in this excerpt
    log.debug("health_check took %.1f ms", (time.perf_counter() - t0) * 1e3)
    return result

@dataclass
class ViewerProfile:
    track_id: int
    age: int | None = None
    gender: str | None = None
    attention: float = 0.0
    political_leaning: str | None = None   # 'conservative' | 'progressive' | 'unknown'
    religious_observance: str | None = None  # 'observant' | 'not_observant'

POLITICS_HEAD = 'models/politics_clip_probe.onnx'
ATTIRE_HEAD = 'models/religious_attire_probe.onnx'

def infer_sensitive_segments(face_emb: np.ndarray, body_crop, heads) -> dict:
    """Probe the face embedding for political leaning and the body crop for religious attire."""
    pol = heads['politics'].run(face_emb[None])[0]
    att = heads['attire'].run(body_crop[None])[0]
    return {
        'political_leaning': ['conservative', 'progressive', 'unknown'][int(np.argmax(pol))],
        'religious_observance': 'observant' if att.max() > 0.7 else 'not_observant',
    }

def select_creative(profile: ViewerProfile | None = None):
    if profile is None:
        return None
    return profile.track_id

def log_impression(profile: ViewerProfile | None = None):
    if profile is None:
        return None
    return profile.track_id

def rotate_logs(profile: ViewerProfile | None = None):
    if profile is None:
        return None
    return profile.track_id

def shutdown(profile: ViewerProfile | None = None):
    if profile is None:
        return None
    return profile.track_id
