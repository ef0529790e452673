"""The lake through fsspec: publish to a URL, query it there with the same bytes scanned."""

import socket

import pytest

from labkit.lake.remote import POINTER, RemoteLake, publish

QUESTION = ("SELECT product_category, sum(amount_usd) AS revenue FROM orders "
            "WHERE year = 2024 AND month = 3 AND region = 'eu' GROUP BY 1 ORDER BY 1")


def _roundtrip(lake, url, zones=("raw", "stage", "curated"), **options):
    manifest = publish(lake, url, zones=zones, **options)
    remote = RemoteLake(url, **options)
    assert remote.catalog.tables() == lake.catalog.tables()
    local, there = lake.query(QUESTION), remote.query(QUESTION)
    assert there.frame.equals(local.frame)
    assert there.bytes_scanned == local.bytes_scanned and there.files_scanned == 1
    return manifest


def test_publish_and_query_through_an_fsspec_memory_filesystem(built_lake):
    lake, _ = built_lake
    manifest = _roundtrip(lake, "memory://lake-test")
    assert (manifest.path == "catalog/catalog.json").any()
    assert manifest.size_bytes.sum() > 0


def test_incomplete_upload_is_invisible(built_lake):
    import fsspec

    lake, _ = built_lake
    publish(lake, "memory://lake-partial")
    fsspec.filesystem("memory").rm(f"/lake-partial/{POINTER}")
    with pytest.raises(FileNotFoundError, match="did not finish"):
        RemoteLake("memory://lake-partial")


def test_publish_to_a_local_folder_url(built_lake, tmp_path):
    lake, _ = built_lake
    manifest = _roundtrip(lake, f"file://{tmp_path}/published", zones=("curated",))
    assert manifest.attrs["version"] == "v000001"
    assert (tmp_path / "published" / POINTER).exists()


def test_interrupted_republish_leaves_the_previous_version_whole(built_lake, monkeypatch):
    import fsspec

    lake, _ = built_lake
    url = "memory://lake-republish"
    publish(lake, url, zones=("curated",))
    before = RemoteLake(url)                            # a reader opened before the republish
    expected = before.query(QUESTION).frame
    fs = fsspec.filesystem("memory")
    real, calls = fs.pipe_file, [0]

    def failing(path, data, **kw):
        calls[0] += 1
        if calls[0] > 5:
            raise ConnectionError("upload interrupted")
        return real(path, data, **kw)

    monkeypatch.setattr(fs, "pipe_file", failing)
    with pytest.raises(ConnectionError):
        publish(lake, url, zones=("curated",))
    monkeypatch.undo()
    after = RemoteLake(url)
    assert after.version == before.version == "v000001"
    assert after.query(QUESTION).frame.equals(expected)
    assert before.query(QUESTION).frame.equals(expected)
    again = publish(lake, url, zones=("curated",))      # a completed republish flips
    assert again.attrs["version"] == "v000002" and RemoteLake(url).version == "v000002"
    assert before.query("SELECT count(*) AS n FROM orders").frame.n[0] == \
        lake.query("SELECT count(*) AS n FROM orders").frame.n[0]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_publish_and_query_on_a_local_s3_server(built_lake):
    pytest.importorskip("s3fs")
    server_mod = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    port = _free_port()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        creds = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **creds) \
            .create_bucket(Bucket="lake")
        options = {"key": "test", "secret": "test",
                   "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
        lake, _ = built_lake
        manifest = _roundtrip(lake, "s3://lake/demo", zones=("curated",), **options)
        assert manifest.path.str.startswith(("iceberg/warehouse/curated/", "catalog/")).all()
    finally:
        server.stop()
