"""Where this engine binds to whoosh's internals (the only module that touches its private names):
the postings codec (posting blocks as raw arrays), the bulk segment writer and reading postings
and columns in one piece."""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from array import array
from itertools import repeat

import numpy as np
from whoosh import writing
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC as _BLOCK_MAGIC
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter, W3TermInfo
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte

from kb.search.engine.whoosh.bulk import Renumbering, _Postings
from kb.search.engine.whoosh.schema import ListTokenizer, PackedImpacts


class _PostingsWriter(W3PostingsWriter):
    # whoosh 2.7's W3PostingsWriter calls a misspelt TermInfo.set_inline();
    # this is the intended behaviour (postings of rare terms inlined in the
    # term table instead of a block in the postings file)
    def finish_postings(self):
        terminfo = self._terminfo
        if not self.written() and len(self) < self._inlinelimit:
            terminfo.add_block(self)
            # explicit empty values: whoosh's ListMatcher would return str ""
            # for missing values, which segment merging rejects
            values = list(self._values) or [b""] * len(self._ids)
            terminfo.set_inlined(self._ids, self._weights, values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()

    # Blocks hold ``array`` objects pickled with protocol 4 (raw machine bytes) instead of
    # whoosh's tuples of Python numbers: a reader turns them into numpy arrays without a
    # loop (see :func:`_read_postings`); whoosh's own matchers iterate them like tuples.

    def _mini_ids(self):
        if self._byteids:
            return tuple(self._ids)
        ids = np.asarray(self._ids, dtype=np.int64)
        return array("I", np.diff(ids, prepend=0).astype(np.uint32).tobytes())

    def _mini_weights(self):
        weights = np.asarray(self._weights, dtype=np.float32)
        if (weights == 1.0).all():
            return None
        if (weights == weights[0]).all():
            return float(weights[0])
        return array("f", weights.tobytes())

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(_BLOCK_MAGIC)
        self._terminfo.add_block(self)
        data = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 4)
        comp = self._compression if len(data) >= 20 else 0
        if comp:
            data = zlib.compress(data, comp)
        ids = self._ids
        info = pickle.dumps(
            (len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
             length_to_byte(self._maxlength)),
            2,
        )
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class KbCodec(W3Codec):
    """W3 codec with working postings inlining (most terms of a German
    vocabulary are rare: inlining them saves a block each)."""

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


def make_codec() -> W3Codec:
    # large blocks: this backend reads whole posting lists, never skips
    return KbCodec(blocklimit=1024, compression=1, inlinelimit=8)


class _BulkWriter(writing.SegmentWriter):
    """Segment writer for ``rebuild``, bulk and small ``index``: keeps the postings of
    the new segment in memory (flat term-id/doc/weight arrays, inverted with
    numpy at commit) instead of whoosh's sorting pool, several times faster
    for bulk loads.  Segments merged into it (a merge policy's ``add_reader``)
    go the same way: their postings are read in one piece per term, not one
    posting at a time through the pool."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self._mem: dict[str, _Postings] = {}

    def add_document(self, **fields_) -> None:
        self._check_state()
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        perdoc.start_doc(docnum)
        try:
            for fieldname in sorted(fields_):
                value = fields_[fieldname]
                if value is None:
                    continue
                field_ = schema[fieldname]
                length = 0
                if field_.indexed:
                    postings = self._mem.get(fieldname)
                    if postings is None:
                        postings = self._mem[fieldname] = _Postings()
                    if isinstance(value, PackedImpacts):  # fast path: analysed by a worker
                        length = postings.add(docnum, value.terms(), value[1])
                    elif isinstance(value, dict):  # {term: impact}
                        length = postings.add(docnum, list(value), value.values())
                    elif isinstance(value, list) and isinstance(field_.analyzer, ListTokenizer):
                        items = list(dict.fromkeys(x for x in value if x))
                        length = postings.add(docnum, items, repeat(1.0, len(items)))
                    else:
                        items = [(t.decode("utf-8"), w) for t, _f, w, _v in field_.index(value)]
                        length = postings.add(docnum, [t for t, _w in items], [w for _t, w in items])
                perdoc.add_field(fieldname, field_, value if field_.stored else None, length)
                column = field_.column_type
                if column:
                    perdoc.add_column_value(fieldname, column, field_.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def add_reader(self, reader) -> None:
        """Append the live documents of a segment reader (what a merge policy calls)."""
        self._check_state()
        basedoc = self.docnum
        fieldnames = set(self.schema.names()) | {f for f in reader.indexed_field_names() if f in self.schema}
        docmap = self.write_per_doc(fieldnames, reader)  # None: no deletions, documents keep their order
        renumber = Renumbering(docmap, reader.doc_count_all(), basedoc)
        for fieldname, term, ids, weights in _all_postings(reader):
            if fieldname not in self.schema:
                continue
            ids, weights = renumber(ids, weights)
            if len(ids):
                self._mem.setdefault(fieldname, _Postings()).add_term(term.decode("utf-8"), ids, weights)
        self._added = True

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for fieldname in sorted(self._mem):
            fw.start_field(fieldname, self.schema[fieldname])
            limit = fw._postwriter._inlinelimit
            inlined = _InlinedTerms(fw)
            for term, ids, ws in self._mem[fieldname].by_term():
                if len(ids) < limit:
                    inlined.add(term.encode("utf-8"), ids, ws)
                else:
                    inlined.write()  # the term table takes its keys in order
                    _write_term(fw, term.encode("utf-8"), ids, ws)
            inlined.write()
            fw.finish_field()
        self._mem.clear()
        fw.close()


def _write_term(fw, btext: bytes, ids: array, ws: array) -> None:
    """Write a term's postings in blocks with whoosh's term writer and :class:`_PostingsWriter`."""
    pw = fw._postwriter
    limit = pw._blocklimit
    fw.start_term(btext)
    for start in range(0, len(ids), limit):
        chunk_ws = ws[start : start + limit]
        pw._ids = ids[start : start + limit]
        pw._weights = chunk_ws
        pw._values = []
        pw._maxweight = max(chunk_ws)
        pw._minlength = pw._maxlength = 1
        if start + limit < len(ids):
            pw._write_block()  # starts a new block itself
    fw.finish_term()


_ONE = length_to_byte(1)  # the field length written for every posting (impacts carry the scoring)
_LENGTHS = struct.Struct("!ii")  # whoosh's HashWriter: key and value length before each entry


class _InlinedTerms:
    """Rare terms (fewer postings than the inline limit) of a field with their postings, added to the
    term table in one write: the bytes :func:`_write_term` and whoosh's ``OrderedHashWriter.add`` give
    (key and value, their position in the index and the md5 hash buckets), without whoosh's objects
    and two ``tell()`` per term (most terms are rare)."""

    def __init__(self, fw) -> None:
        self.fw = fw
        self.tindex = fw._tindex
        self.prefix = pack_ushort(fw._fieldid)
        self.items: list[tuple[bytes, bytes]] = []

    def add(self, btext: bytes, ids, ws) -> None:
        n = len(ids)
        head = W3TermInfo._struct.pack(True, 0 + sum(ws), n, _ONE, _ONE, max(0, max(ws)), ids[0], ids[-1])
        self.items.append((self.prefix + btext, head + pickle.dumps((tuple(ids), tuple(ws), (b"",) * n), 2)))

    def write(self) -> None:
        """Write the terms added since the last call."""
        items, self.items = self.items, []
        if not items:
            return
        tindex = self.tindex
        if tindex.hashfn is not md5_hash or not items[0][0] > tindex.lastkey:
            for key, value in items:  # another table layout: whoosh's own way
                tindex.add(key, value)
            return
        dbfile = tindex.dbfile
        pos = dbfile.tell()
        positions, buckets, chunks = tindex.index, tindex.buckets, []
        for key, value in items:
            positions.append(pos)
            hashed = md5_hash(key)
            buckets[hashed & 255].append((hashed, pos))
            chunks += (_LENGTHS.pack(len(key), len(value)), key, value)
            pos += 8 + len(key) + len(value)
        dbfile.write(b"".join(chunks))
        tindex.lastkey = items[-1][0]


def finish_segment(writer: writing.SegmentWriter):
    """Write a writer's segment files (no table of contents) and return the segment."""
    return writer._finalize_segment()


def abandon_segment(writer: writing.SegmentWriter) -> None:
    """Close a writer's segment files without a table of contents (the next commit removes them)."""
    writer._close_segment()


def commit_segments(writer: writing.SegmentWriter, segments: list) -> None:
    """Commit a new generation: the writer's segments (deletions included, nothing merged) plus
    ``segments`` written by other writers, then release the writer (its own segment stays empty)."""
    final = writing.NO_MERGE(writer, writer.segments) + segments
    writer._close_segment()
    writer._commit_toc(final)
    writer._finish()


def latest_toc(ix):
    """The table of contents of ``ix``'s latest generation (segments, schema), read with the index's
    own schema as whoosh's ``reader()`` reads it."""
    return ix._read_toc()


def _all_postings(segreader):
    """``(field, term bytes, docnums, weights)`` of every term of a segment, deleted documents
    included: inlined postings (rare terms) as the tuples stored in the term table, the others
    as numpy arrays read in one piece."""
    terms = segreader._terms
    for fieldname, term, value in _term_entries(terms):
        if value[0]:  # the term info's flags: postings inlined
            ids, weights, _values = pickle.loads(value[_TERMINFO_SIZE:])  # noqa: S301  (as whoosh reads them)
            yield fieldname, term, ids, weights
            continue
        info = W3TermInfo.from_bytes(bytes(value))
        offset, length = info.extent()
        if isinstance(length, tuple):
            length = length[0]
        found = _read_blocks(terms._postfile, offset, length)
        if found is None:
            found = _decode(terms._codec.postings_reader(terms._postfile, info, segreader.schema[fieldname].format))
        yield fieldname, term, found[0], found[1]


_TERMINFO_SIZE = W3TermInfo._struct.size
_FIELD_ID = struct.Struct("!H")  # a term table key starts with the field's number


def _term_entries(terms):
    """``(field, term bytes, term info bytes)`` of every entry of a segment's term table, in key
    order, parsed from one read of the table's entries (whoosh reads and decodes them one by one)."""
    tindex = terms._tindex
    buf = memoryview(tindex.dbfile.get(tindex.startofdata, tindex.endofdata - tindex.startofdata))
    fields = terms._fieldunmap
    pos, end = 0, len(buf)
    while pos < end:
        keylen, valuelen = _LENGTHS.unpack_from(buf, pos)
        key = pos + _LENGTHS.size
        value = key + keylen
        pos = value + valuelen
        yield fields[_FIELD_ID.unpack_from(buf, key)[0]], bytes(buf[key + _FIELD_ID.size : value]), buf[value:pos]


_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WS = np.zeros(0, dtype=np.float32)


def _numeric_column(segreader, name: str, count: int, default: float, dtype: str) -> np.ndarray:
    """A numeric column as an array, read in one piece (falls back to whoosh)."""
    if not segreader.has_column(name):
        return np.full(count, default, dtype=dtype)
    reader = segreader.column_reader(name, translate=False)
    try:
        raw = reader._dbfile.get(reader._basepos, reader._count * reader._fixedlen)
        vals = np.frombuffer(raw, dtype=">" + reader._typecode).astype(dtype)
    except AttributeError:
        vals = np.array(list(reader), dtype=dtype)
    if len(vals) < count:
        vals = np.concatenate([vals, np.full(count - len(vals), default, dtype=dtype)])
    return vals


def _read_postings(segreader, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """All docnums (int64) and weights (float32) of a term; the postings of documents deleted from
    the segment left out (as whoosh's ``postings()`` does, one posting at a time in Python: ten
    times slower on a segment with a single deletion). The blocks are parsed straight from the
    postings file (:func:`_read_blocks`), without whoosh's matcher around each."""
    ids, weights = _segment_postings(segreader, fieldname, term)
    if len(ids) and segreader.has_deletions():
        keep = ~_deleted_mask(segreader)[ids]
        if not keep.all():
            ids, weights = ids[keep], weights[keep]
    return ids, weights


def _deleted_mask(segreader) -> np.ndarray:
    """True for the deleted docnums of a segment reader (its deletions are fixed: kept on the reader)."""
    mask = getattr(segreader, "_kb_deleted_mask", None)
    if mask is None:
        deleted = np.fromiter(segreader.deleted_docs_set, dtype=np.int64)
        mask = np.zeros(max(segreader.doc_count_all(), int(deleted.max(initial=-1)) + 1), dtype=bool)
        mask[deleted] = True
        segreader._kb_deleted_mask = mask
    return mask


def _segment_postings(segreader, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """A term's postings in the segment, deleted documents included (empty for an unknown term)."""
    terms = getattr(segreader, "_terms", None)
    if terms is None or segreader.is_closed or fieldname not in segreader.schema:
        try:  # another reader: whoosh's postings (deleted documents already left out)
            return _decode(segreader.postings(fieldname, term))
        except Exception:  # noqa: BLE001  (TermNotFound)
            return _EMPTY_IDS, _EMPTY_WS
    try:
        info = terms.term_info(fieldname, segreader._text_to_bytes(fieldname, term))
    except Exception:  # noqa: BLE001  (TermNotFound)
        return _EMPTY_IDS, _EMPTY_WS
    if not info.is_inlined():
        offset, length = info.extent()
        if isinstance(length, tuple):  # whoosh's W3TermInfo.from_bytes leaves it as struct.unpack gives it
            length = length[0]
        found = _read_blocks(terms._postfile, offset, length)
        if found is not None:
            return found
    return _decode(terms._codec.postings_reader(terms._postfile, info, segreader.schema[fieldname].format))


_BLOCK_LENGTH = struct.Struct("!i")  # whoosh's int: a block's length, negative for the last block


def _read_blocks(postfile, offset: int, length: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The postings written at ``offset`` (the magic, then per block its length, the pickled block
    info and the pickled, possibly compressed data: what whoosh's ``W3LeafMatcher`` reads), or None
    for anything else."""
    buf = postfile.get(offset, length)
    if buf[:4] != _BLOCK_MAGIC:
        return None
    stream = io.BytesIO(buf)
    id_parts: list[np.ndarray] = []
    weight_parts: list[np.ndarray] = []
    lengths: list[int] = []
    pos = 4
    while pos < length:
        size = _BLOCK_LENGTH.unpack_from(buf, pos)[0]
        start = pos + 4
        stream.seek(start)
        info = pickle.load(stream)  # noqa: S301  (the index of this app, private; whoosh unpickles the same)
        end = start + abs(size)
        data = buf[stream.tell() : end]
        if info[3]:  # compression
            data = zlib.decompress(data)
        raw = pickle.loads(data)  # noqa: S301
        _add_block(id_parts, weight_parts, lengths, info[0], raw[0], raw[1])
        if size < 0:
            return _assemble(id_parts, weight_parts, lengths, byteids=False)
        pos = end
    return None  # no last block: not this layout


def _decode(m) -> tuple[np.ndarray, np.ndarray]:
    """Docnums and weights of a matcher, read to its end."""
    if not isinstance(m, W3LeafMatcher):  # inlined postings (rare terms)
        ids: list[int] = []
        ws: list[float] = []
        while m.is_active():
            ids.append(m.id())
            ws.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(ws, dtype=np.float32)
    id_parts: list[np.ndarray] = []
    weight_parts: list[np.ndarray] = []
    lengths: list[int] = []
    while m.is_active():
        if m._data is None:
            m._read_data()
        _add_block(id_parts, weight_parts, lengths, m._blocklength, m._data[0], m._data[1])
        m._next_block()
    return _assemble(id_parts, weight_parts, lengths, m._byteids)


def _add_block(id_parts: list, weight_parts: list, lengths: list, n: int, raw_ids, raw_ws) -> None:
    id_parts.append(_as_array(raw_ids, np.int64))
    lengths.append(n)
    if raw_ws is None or isinstance(raw_ws, float):
        weight_parts.append(np.full(n, 1.0 if raw_ws is None else raw_ws, dtype=np.float32))
    else:
        weight_parts.append(_as_array(raw_ws, np.float32))


def _assemble(id_parts: list, weight_parts: list, lengths: list, byteids) -> tuple[np.ndarray, np.ndarray]:
    arr = np.concatenate(id_parts) if id_parts else _EMPTY_IDS
    if not byteids and len(arr):
        # each block is delta-encoded on its own: cumulative sum over all
        # blocks, then take off what the earlier blocks added
        total = np.cumsum(arr)
        if len(lengths) > 1:
            starts = np.cumsum(lengths)[:-1]
            base = np.repeat(np.concatenate(([0], total[starts - 1])), lengths)
            total -= base
        arr = total
    weights = np.concatenate(weight_parts) if weight_parts else _EMPTY_WS
    return arr, weights


def _as_array(values, dtype) -> np.ndarray:
    """A block's numbers as numpy: arrays (this codec) without a loop, tuples (older indexes) with one."""
    if isinstance(values, array):
        return np.frombuffer(values, dtype=np.dtype(values.typecode)).astype(dtype)
    return np.array(values, dtype=dtype)


def _column(segreader, name: str, count: int, default) -> list:
    if segreader.has_column(name):
        return list(segreader.column_reader(name))
    return [default] * count
