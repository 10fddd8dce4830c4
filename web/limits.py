"""Extensions of the accounts half, created unbound: login rate limits, CSRF protection, the picture cache."""
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

limiter = Limiter(key_func=get_remote_address)  # storage: RATELIMIT_STORAGE_URI, set by accounts.init_app
csrf = CSRFProtect()
cache = Cache()


def cache_config(config, instance_path: str) -> dict:
    """Return Flask-Caching's settings: Redis when servers share a message queue, else files in the instance."""
    common = {"CACHE_DEFAULT_TIMEOUT": config.cache_timeout, "CACHE_KEY_PREFIX": "gazecast:"}
    if config.message_queue:
        return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": config.message_queue}
    return {**common, "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": f"{instance_path}/cache", "CACHE_THRESHOLD": 2000}
