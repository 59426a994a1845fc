"""A local HTTP server that replays recorded CBS responses, so the live import paths run without network.

Two layouts, both served from one root folder of recordings (`shared/data/cbs`):

- OData4, base `/odata/v1/CBS` (like `https://datasets.cbs.nl/odata/v1/CBS`), from a folder with
  `properties.json`, `dimensions.json`, `measure-codes.json`, `codes-<Dim>.json` and
  `observations-page-N.json`::

      GET /odata/v1/CBS/03759ned/Properties     -> properties.json as recorded
      GET /odata/v1/CBS/03759ned/Dimensions     -> {"@odata.context": ..., "value": [...]}
      GET /odata/v1/CBS/03759ned/RegioSCodes    -> codes-RegioS.json
      GET /odata/v1/CBS/03759ned/Observations?$filter=...
          -> {"value": [first page_size rows],
              "@odata.nextLink": "http://127.0.0.1:PORT/odata/v1/CBS/03759ned/Observations?$filter=...&$skip=2000"}

- OData v3, base `/ODataFeed/odata` (like `https://opendata.cbs.nl/ODataFeed/odata`), from a folder with
  `cbs.v3.<T>_TypedDataSet.parquet`, `_DataProperties.parquet`, `_<Dim>.parquet`, `_Metadata.json`::

      GET /ODataFeed/odata/84799NED/TypedDataSet    -> {"odata.metadata": ..., "value": [...], "odata.nextLink": ...}
      GET /ODataFeed/odata/84799NED/DataProperties  -> rows of the parquet, without `odata_type`
      GET /ODataFeed/odata/84799NED/WijkenEnBuurten -> rows of the dimension parquet
      GET /ODataFeed/odata/84799NED/TableInfos      -> {"value": [Metadata.json]}

Every collection is paged by `page_size` rows with `$skip`, as CBS does; `$top` and `$select` are
honoured, `$filter` (and any other parameter) is only recorded and carried into the nextLink: the
recordings are already the slice the filter asked for, so the server does not evaluate it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

V4_PREFIX = "/odata/v1/CBS"
V3_PREFIX = "/ODataFeed/odata"
_V3_DATASET = "TypedDataSet"
_V3_PROPERTIES = "DataProperties"


def recorded_cbs_root() -> Path:
    """The folder of recorded CBS responses: the shared data next to the repo, else the repo's own copy."""
    here = Path(__file__).resolve()
    shared = here.parents[2] / "shared" / "data" / "cbs"
    return shared if shared.is_dir() else here.parents[1] / "data" / "cbs"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # URL-decoded, without the query
    query: dict[str, str]  # URL-decoded parameters; a repeated one keeps its last value
    target: str  # the request line's target exactly as received (path and raw query)


class _NotFound(Exception):
    pass


class _BadRequest(Exception):
    pass


@dataclass
class _V4Table:
    folder: Path
    collections: dict[str, Path | list[Path]]  # entity set -> file, or the observation pages in order


@dataclass
class _V3Table:
    folder: Path
    table_id: str  # as in the file names ("84799NED")
    files: dict[str, Path]  # entity set -> parquet file
    metadata: Path | None


def _page_number(path: Path) -> int:
    digits = "".join(c for c in path.stem.rsplit("-", 1)[-1] if c.isdigit())
    return int(digits) if digits else 0


class ReplayServer:
    """Serve recorded CBS OData4 and OData v3 responses on 127.0.0.1 (a free port).

    Use as a context manager: `with ReplayServer(root, page_size=2000) as server: ...`, then point an
    importer at `server.base_url_v4` or `server.base_url_v3` and inspect `server.requests`.
    """

    def __init__(self, root: Path | None = None, page_size: int = 5000, stringify_values: bool = False,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.root = Path(root) if root is not None else recorded_cbs_root()
        if not self.root.is_dir():
            raise FileNotFoundError(f"no folder of recorded CBS responses at {self.root}")
        self.page_size = page_size
        self.stringify_values = stringify_values
        self.requests: list[RecordedRequest] = []
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], Any] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._v4_tables, self._v3_tables = self._discover()

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> ReplayServer:
        if self._httpd is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"replay": self})
        self._httpd = ThreadingHTTPServer((self._host, self._port), handler)
        self._httpd.daemon_threads = True
        # a short poll keeps `stop` quick: shutdown() waits for the serving loop's next poll
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="cbs-replay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the replay server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url_v4(self) -> str:
        return self.base_url + V4_PREFIX

    @property
    def base_url_v3(self) -> str:
        return self.base_url + V3_PREFIX

    @property
    def v4_tables(self) -> list[str]:
        return sorted(t.folder.name for t in self._v4_tables.values())

    @property
    def v3_tables(self) -> list[str]:
        return sorted(t.table_id for t in self._v3_tables.values())

    def requests_for(self, entity_set: str) -> list[RecordedRequest]:
        """The recorded requests whose last path segment is `entity_set` ("Observations", "TypedDataSet")."""
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").rsplit("/", 1)[-1] == entity_set]

    # --- recordings ---------------------------------------------------------------------------

    def _discover(self) -> tuple[dict[str, _V4Table], dict[str, _V3Table]]:
        v4: dict[str, _V4Table] = {}
        v3: dict[str, _V3Table] = {}
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            pages = sorted(folder.glob("observations-page-*.json"), key=_page_number)
            if (folder / "properties.json").is_file() and pages:
                collections: dict[str, Path | list[Path]] = {
                    "Properties": folder / "properties.json",
                    "Dimensions": folder / "dimensions.json",
                    "MeasureCodes": folder / "measure-codes.json",
                    "Observations": pages,
                }
                for codes in folder.glob("codes-*.json"):
                    collections[codes.stem.removeprefix("codes-") + "Codes"] = codes
                v4[folder.name.lower()] = _V4Table(folder, collections)
            for dataset in folder.glob(f"cbs.v3.*_{_V3_DATASET}.parquet"):
                table_id = dataset.name.removeprefix("cbs.v3.").removesuffix(f"_{_V3_DATASET}.parquet")
                prefix = f"cbs.v3.{table_id}_"
                files = {p.name.removeprefix(prefix).removesuffix(".parquet"): p
                         for p in folder.glob(f"{prefix}*.parquet")}
                metadata = folder / f"{prefix}Metadata.json"
                v3[table_id.lower()] = _V3Table(folder, table_id, files, metadata if metadata.is_file() else None)
        return v4, v3

    def _cached(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = load()
            return self._cache[key]

    def _v4_response(self, table_id: str, entity_set: str) -> tuple[dict, list[dict] | None]:
        """(the recorded response without its rows, the rows) - rows None for a single entity."""
        table = self._v4_tables.get(table_id.lower())
        if table is None:
            raise _NotFound(f"table {table_id} not found")
        source = table.collections.get(entity_set)
        if source is None:
            raise _NotFound(f"resource {entity_set} not found in table {table_id}")

        def load() -> tuple[dict, list[dict] | None]:
            files = source if isinstance(source, list) else [source]
            responses = [json.loads(f.read_text(encoding="utf-8")) for f in files]
            first = responses[0]
            if not isinstance(first.get("value"), list):
                return first, None
            envelope = {k: v for k, v in first.items() if k not in ("value", "@odata.nextLink")}
            return envelope, [row for response in responses for row in response["value"]]

        return self._cached(("v4", table_id.lower(), entity_set), load)

    def _v3_response(self, table_id: str, entity_set: str) -> tuple[dict, list[dict]]:
        table = self._v3_tables.get(table_id.lower())
        if table is None:
            raise _NotFound(f"table {table_id} not found")
        envelope = {"odata.metadata": f"{self.base_url_v3}/{table.table_id}/$metadata#Cbs.OData.WebAPI.{entity_set}"}
        if entity_set == "TableInfos":
            if table.metadata is None:
                raise _NotFound(f"resource TableInfos not found in table {table_id}")
            metadata = table.metadata
            return envelope, self._cached(("v3", table.table_id, "TableInfos"),
                                          lambda: [json.loads(metadata.read_text(encoding="utf-8"))])
        if entity_set not in table.files:
            raise _NotFound(f"resource {entity_set} not found in table {table_id}")
        stringify = self.stringify_values and entity_set == _V3_DATASET
        rows = self._cached(("v3", table.table_id, entity_set, str(stringify)),
                            lambda: self._v3_rows(table, entity_set, stringify))
        return envelope, rows

    def _v3_rows(self, table: _V3Table, entity_set: str, stringify: bool) -> list[dict]:
        frame = pq.read_table(table.files[entity_set])
        if "odata_type" in frame.column_names:
            frame = frame.drop_columns(["odata_type"])
        # Parquet doubles can hold NaN, which is not JSON: the feed sends null.
        for index, field in enumerate(frame.schema):
            if pa.types.is_floating(field.type):
                column = frame.column(index)
                frame = frame.set_column(index, field, pc.if_else(pc.is_nan(column), None, column))
        if stringify:
            properties = self._v3_rows(table, _V3_PROPERTIES, False) if _V3_PROPERTIES in table.files else []
            frame = _stringify_topics(frame, properties)
        return frame.to_pylist()

    # --- answering ----------------------------------------------------------------------------

    def answer(self, method: str, target: str) -> tuple[int, dict]:
        """Record the request and return (status, JSON body)."""
        split = urlsplit(target)
        path = unquote(split.path)
        params = parse_qsl(split.query, keep_blank_values=True)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, dict(params), target))
        try:
            if method != "GET":
                return HTTPStatus.METHOD_NOT_ALLOWED, _error_body(path, f"method {method} not allowed")
            if path.startswith(V4_PREFIX + "/"):
                return self._answer_v4(path, params)
            if path.startswith(V3_PREFIX + "/"):
                return self._answer_v3(path, params)
            raise _NotFound(f"no resource at {path}")
        except _NotFound as problem:
            return HTTPStatus.NOT_FOUND, _error_body(path, str(problem), v3=path.startswith(V3_PREFIX))
        except _BadRequest as problem:
            return HTTPStatus.BAD_REQUEST, _error_body(path, str(problem), v3=path.startswith(V3_PREFIX))

    def _answer_v4(self, path: str, params: list[tuple[str, str]]) -> tuple[int, dict]:
        parts = path.removeprefix(V4_PREFIX + "/").strip("/").split("/")
        if len(parts) != 2:
            raise _NotFound(f"no resource at {path}")
        envelope, rows = self._v4_response(*parts)
        if rows is None:
            return HTTPStatus.OK, envelope
        return HTTPStatus.OK, self._page(path, params, envelope, rows, "@odata.nextLink")

    def _answer_v3(self, path: str, params: list[tuple[str, str]]) -> tuple[int, dict]:
        parts = path.removeprefix(V3_PREFIX + "/").strip("/").split("/")
        if len(parts) != 2:
            raise _NotFound(f"no resource at {path}")
        envelope, rows = self._v3_response(*parts)
        return HTTPStatus.OK, self._page(path, params, envelope, rows, "odata.nextLink")

    def _page(self, path: str, params: list[tuple[str, str]], envelope: dict, rows: list[dict],
              next_key: str) -> dict:
        query = dict(params)
        skip = _count_parameter(query, "$skip", 0)
        top = _count_parameter(query, "$top", None)
        wanted = len(rows) - skip if top is None else min(top, len(rows) - skip)
        page = rows[skip:skip + max(0, min(wanted, self.page_size))]
        if "$select" in query:
            fields = [f.strip() for f in query["$select"].split(",") if f.strip()]
            unknown = [f for f in fields if rows and f not in rows[0]]
            if unknown:
                raise _BadRequest(f"unknown field in $select: {', '.join(unknown)}")
            page = [{f: row[f] for f in fields} for row in page]
        body = {**envelope, "value": page}
        if wanted > self.page_size:
            # CBS keeps every other parameter ($filter, $select ...) and moves $skip on.
            kept = [(k, v) for k, v in params if k not in ("$skip", "$top")]
            if top is not None:
                kept.append(("$top", str(top - self.page_size)))
            kept.append(("$skip", str(skip + self.page_size)))
            query_text = urlencode(kept, quote_via=quote, safe="$'(),")
            body[next_key] = f"{self.base_url}{quote(path)}?{query_text}"
        return body


def _count_parameter(query: dict[str, str], name: str, default: int | None) -> int | None:
    if name not in query:
        return default
    try:
        value = int(query[name])
    except ValueError:
        raise _BadRequest(f"{name} must be a whole number, got {query[name]!r}") from None
    if value < 0:
        raise _BadRequest(f"{name} must not be negative, got {value}")
    return value


def _stringify_topics(frame: pa.Table, properties: list[dict]) -> pa.Table:
    """Numeric Topic columns as right-aligned strings, as the feed sometimes sends them.

    Each column is padded to its widest value (25445 in a column whose widest value is 17407585
    becomes "   25445"); decimals follow the column's `Decimals`. Nulls stay null.
    """
    decimals_of = {p["Key"]: p.get("Decimals") for p in properties if p.get("Type") == "Topic"}
    for index, field in enumerate(frame.schema):
        if field.name not in decimals_of or not (pa.types.is_integer(field.type) or pa.types.is_floating(field.type)):
            continue
        decimals = decimals_of[field.name]
        floating = pa.types.is_floating(field.type)
        texts = [None if v is None else f"{v:.{int(decimals)}f}" if floating and decimals is not None else str(v)
                 for v in frame.column(index).to_pylist()]
        width = max((len(t) for t in texts if t is not None), default=0)
        padded = pa.array([None if t is None else t.rjust(width) for t in texts], pa.string())
        frame = frame.set_column(index, pa.field(field.name, pa.string()), padded)
    return frame


def _error_body(path: str, message: str, v3: bool = False) -> dict:
    if v3:
        return {"odata.error": {"code": "", "message": {"lang": "en-US", "value": f"{message} ({path})"}}}
    return {"error": {"code": "NotFound" if "not found" in message else "BadRequest", "message": f"{message} ({path})"}}


class _Handler(BaseHTTPRequestHandler):
    replay: ReplayServer  # set on the subclass made in `ReplayServer.start`
    server_version = "CbsReplay/1"

    def _respond(self) -> None:
        status, body = self.replay.answer(self.command, self.path)
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _respond

    def log_message(self, format: str, *args: Any) -> None:
        pass
