"""Type stubs of dcmcore._kernels.status (kernel status codes and their one mapping to exceptions)."""

ST_OK: int
ST_BAD_GEOMETRY: int
ST_VALUE_RANGE: int
ST_NO_MEMORY: int
ST_SHORT: int
ST_TRUNCATED: int
ST_LITERAL_TRUNCATED: int
ST_REPLICATE_TRUNCATED: int
ST_OVERLONG: int
ST_UNKNOWN_OPCODE: int
ST_LINEAR_FIRST: int
ST_INDIRECT_FIRST: int
ST_NESTED_INDIRECT: int
ST_INDIRECT_BEYOND: int
ST_INDIRECT_UNALIGNED: int
ST_TOO_MANY: int

MESSAGES: dict[int, str]

def check_status(status: int, what: str = "", detail: str | None = None, error: type[Exception] | None = None) -> int: ...
