import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_live_app_is_ready_with_redis_and_migrations_at_head(live_app):
    body = httpx.get(f"{live_app.base_url}/ready", timeout=5).json()
    assert body["status"] == "ready"
    assert body["checks"]["redis"] == {"ok": True, "configured": True}
    assert body["checks"]["database"]["revision"] == body["checks"]["database"]["head"]
