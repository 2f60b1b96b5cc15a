"""Redis as the shared cache (CRYOVIEW_CACHE_URL), through an outage: a real redis-server of the test's own,
stopped and started again (or frozen, to play a network partition), with the site's real pages, limits and
health checks. Nothing answers 500 while it is down, and everything recovers by itself."""

from __future__ import annotations

import logging
import re
import time

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cryoview.core.cache import ResilientRedisCache
from cryoview.procedures.models import Procedure
from cryoview.reviews.tests.factories import published_review
from tests.test_rate_limits import LIMITS, behind_nginx, via, world  # noqa: F401 - fixtures used below

GUIDE = "/procedures/facial-cryomassage/"
PAGES = [GUIDE, "/", f"{GUIDE}reviews/"]
PAUSE = 0.2  # the redis_cache fixture's PAUSE_AFTER_FAILURE


def without_tokens(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", html)


def after_the_pause() -> None:
    """The circuit stays open this long after a failure; then the next operation tries Redis again."""
    time.sleep(PAUSE + 0.1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_while_redis_is_stopped_and_show_changes_made_meanwhile(client, guides, member, redis_cache, url):
    massage = Procedure.objects.get(slug="facial-cryomassage")
    shows_reviews = url != "/"  # the home page lists guides, not reviews
    published_review(massage, title="Before the outage")
    assert client.get(url).status_code == 200  # kept in Redis and in this process
    redis_cache.stop()
    first = client.get(url)
    assert first.status_code == 200 and ("Before the outage" in first.text) is shows_reviews
    published_review(massage, title="During the outage")  # its generation bump cannot reach Redis
    again = client.get(url)
    assert again.status_code == 200
    assert ("During the outage" in again.text) is shows_reviews, "a page kept from before was served"
    members = Client()
    members.force_login(member)
    as_member = members.get(url)
    assert as_member.status_code == 200 and "Sign out" in as_member.text
    assert ("During the outage" in as_member.text) is shows_reviews


@pytest.mark.django_db(transaction=True)
def test_after_a_restart_the_page_cache_is_used_again(client, guides, redis_cache):
    redis_cache.stop()
    assert client.get(GUIDE).status_code == 200
    redis_cache.start()  # empty, as after a crash
    after_the_pause()
    first = client.get(GUIDE)
    assert first.status_code == 200
    keys = redis.Redis.from_url(redis_cache.url).keys("*page:z:*")
    assert keys, "the page was not kept in Redis after it came back"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(GUIDE)
    assert second.status_code == 200 and without_tokens(second.text) == without_tokens(first.text)
    assert len(queries) == 0, "the page was rendered again instead of coming from the cache"


@pytest.mark.django_db(transaction=True)
def test_a_change_made_during_a_partition_shows_after_it(client, guides, redis_partition):
    """Redis kept its data (the old generation, the old page) while this process could not reach it: what the
    process failed to write is deleted when Redis answers again, so the old page is never served after."""
    massage = Procedure.objects.get(slug="facial-cryomassage")
    assert "Changed meanwhile" not in client.get(GUIDE).text  # kept under the current generation
    redis_partition.cut()
    published_review(massage, title="Changed meanwhile")
    assert "Changed meanwhile" in client.get(GUIDE).text
    redis_partition.heal()
    after_the_pause()
    page = client.get(GUIDE)
    assert page.status_code == 200 and "Changed meanwhile" in page.text, "the page from before the partition"


@pytest.mark.parametrize("name", LIMITS)
def test_limits_still_hold_while_redis_is_stopped(world, redis_cache, name):  # noqa: F811 - the fixture
    """During an outage each web process counts on its own (this test's process is one): limits still refuse,
    with Retry-After, and nothing answers 500."""
    redis_cache.stop()
    case = LIMITS[name]
    for n in range(case.limit):
        response = case.attempt(world, n, via("198.51.100.7"))
        assert response.status_code < 400, (n, response.status_code, response.content[:300])
    refused = case.attempt(world, case.limit, via("198.51.100.7"))
    assert refused.status_code == 429, refused.content[:300]
    assert 1 <= int(refused["Retry-After"]) <= case.window
    if case.per_address:
        assert case.attempt(world, case.limit, via("198.51.100.8")).status_code < 400


@pytest.mark.django_db
def test_healthz_and_the_status_page_report_the_cache_down_then_up(client, redis_cache, settings):
    settings.CRYOVIEW_WORKER_MODE = "immediate"
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["checks"]["cache"] == {"ok": True, "state": "up", "backend": "redis"}
    redis_cache.stop()
    response = client.get("/healthz")
    # Still 200: every page is served without Redis, so a load balancer must not take the nodes out.
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"] == {"ok": False, "state": "down", "backend": "redis", "error": "ConnectionError"}
    status = client.get("/status/")
    assert status.status_code == 200 and "Down: Redis does not answer" in status.text
    redis_cache.start()
    body = client.get("/healthz").json()  # asked directly: no pause to wait out
    assert body["status"] == "ok" and body["checks"]["cache"]["state"] == "up"
    assert "Up: Redis answers" in client.get("/status/").text


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(redis_cache, caplog):
    cache.set("kept", 1)
    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="cryoview.core.cache"):
        for _ in range(20):
            assert cache.get("kept") is None
            cache.set("kept", 2)
        redis_cache.start()
        after_the_pause()
        assert cache.get("kept") is None  # the restarted server kept nothing
        cache.set("kept", 3)
        assert cache.get("kept") == 3
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert "does not answer" in messages[0] and "answers again" in messages[1]
    assert f"127.0.0.1:{redis_cache.port}" in messages[0]


def test_while_redis_is_down_reads_miss_writes_drop_and_rate_limit_keys_count_here(redis_cache):
    redis_cache.stop()
    assert cache.add("page:x", 1) is False and cache.get("page:x", "default") == "default"
    assert cache.get_many(["page:x", "throttle:a"]) == {}
    with pytest.raises(ValueError):
        cache.incr("generation:x")
    assert cache.add("throttle:a", 0) is True and cache.incr("throttle:a") == 1 and cache.incr("throttle:a") == 2
    cache.set("allauth:rl:x", [1.0])
    assert cache.get_many(["allauth:rl:x", "page:x"]) == {"allauth:rl:x": [1.0]}
    assert cache.set_many({"page:y": 1, "throttle:b": 1}) == ["page:y"]
    assert cache.has_key("throttle:b") and not cache.has_key("page:y")
    cache.delete_many(["throttle:b", "page:y"])
    assert not cache.has_key("throttle:b")
    cache.clear()  # no error either


def test_clearing_a_prefixed_cache_leaves_other_keys_alone(redis_cache):
    direct = redis.Redis.from_url(redis_cache.url)
    direct.set("someone-else:1:key", b"theirs")
    cache.set("ours", 1)
    cache.set("ours-too", 2, version=3)
    cache.clear()
    assert cache.get("ours") is None and cache.get("ours-too", version=3) is None
    assert direct.get("someone-else:1:key") == b"theirs"


def test_the_production_settings_make_redis_resilient(redis_server):
    from config.settings.base import RATE_LIMIT_KEY_PREFIXES, shared_cache

    backend = ResilientRedisCache(redis_server.url, shared_cache(redis_server.url))
    assert shared_cache(redis_server.url)["BACKEND"] == "cryoview.core.cache.ResilientRedisCache"
    assert shared_cache("")["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    pool = backend._cache._get_connection_pool(write=True)
    assert pool.connection_kwargs["socket_connect_timeout"] <= 0.5
    assert pool.connection_kwargs["socket_timeout"] <= 0.5
    # Whether these are the keys throttle and allauth write: test_limits_still_hold_while_redis_is_stopped.
    assert backend._local_prefixes == tuple(RATE_LIMIT_KEY_PREFIXES)


@pytest.mark.django_db
def test_the_status_page_says_where_the_shared_cache_is(client, each_shared_cache, settings):
    settings.CRYOVIEW_WORKER_MODE = "immediate"
    expected = {"database": "In the database: enough for one server", "redis": "Up: Redis answers"}
    assert expected[each_shared_cache] in client.get("/status/").text
