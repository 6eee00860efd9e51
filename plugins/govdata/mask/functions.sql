-- Masks of whole columns in PostgreSQL: the SQL twins of govdata/mask/values.py, one call per cell.
-- Installed by govdata.mask.sql.ensure_mask_functions (schema version recorded in govdata.schema_version);
-- tests/unit/test_mask_sql.py keeps every function equal to its Python original on the same inputs.
-- Speed (each function runs once per cell of a column): the small SQL functions are not STRICT, so PostgreSQL
-- inlines them into the calling query instead of calling them (their bodies give NULL for NULL all the same);
-- translate() with a long character list costs ~0.5 µs per character of the value, so it runs only when a
-- regular-expression test (a tenth of that) finds a character it would change.
-- __COMPOUND_SURNAMES__ is replaced by the classifier's compound surnames when the file is installed.

create schema if not exists mask;

-- The characters half_width changes, and what each becomes (one for one).
create or replace function mask.full_width_chars() returns text
language sql immutable parallel safe as $$
    select '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～'
        || E'\u3000\u00a0\u2002\u2003\u2009\u2010\u2011\u2012\u2013\u2014\u2212\u30fc'
$$;

create or replace function mask.half_width_chars() returns text
language sql immutable parallel safe as $$
    select '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~'
        || '     -------'
$$;

-- Full-width letters, digits and punctuation, the ideographic and no-break spaces and the dash variants as
-- ASCII, one character for one (classify/normalize.to_half_width).
create or replace function mask.half_width(v text) returns text
language sql immutable parallel safe as $$
    select case when v ~ ('[' || mask.full_width_chars() || ']')
                then translate(v, mask.full_width_chars(), mask.half_width_chars()) else v end
$$;

-- Python's whitespace (str.strip / str.split): the characters trimmed or removed below.
create or replace function mask.whitespace() returns text
language sql immutable parallel safe as $$
    select E'\u0009\u000a\u000b\u000c\u000d\u001c\u001d\u001e\u001f\u0020\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000'
$$;

-- str.strip()
create or replace function mask.strip(v text) returns text
language sql immutable parallel safe as $$
    select btrim(v, mask.whitespace())
$$;

-- A cell that means "no value" (classify/column.NULL_TOKENS): kept as written, it hides nothing.
create or replace function mask.is_null_token(v text) returns boolean
language sql immutable parallel safe as $$
    select btrim(v, mask.whitespace()) = any (
        array['', '-', '--', '—', '/', '无', '暂无', '空', '不详', '#N/A']
    ) or lower(btrim(v, mask.whitespace())) = any (array['null', 'none', 'nan', 'n/a', 'na'])
$$;

-- Every character starred, the first kept when asked and the value has more than one (values.redact).
create or replace function mask.redact(v text, keep_first integer default 0) returns text
language sql immutable parallel safe as $$
    select case when length(v) > 1 then left(v, keep_first) || repeat('*', length(v) - keep_first)
                else repeat('*', length(v)) end
$$;

-- A masked value that came out equal to its input is starred whole: masking never passes a value through.
create or replace function mask.unless_unchanged(masked text, original text) returns text
language sql immutable strict parallel safe as $$
    select case when masked = original then mask.redact(original) else masked end
$$;

-- An identifier as written without formatting: half-width, no whitespace or dashes (values._identifier).
create or replace function mask.identifier(v text) returns text
language sql immutable parallel safe as $$
    select regexp_replace(mask.half_width(v), '[' || mask.whitespace() || '-]', '', 'g')
$$;

-- The first and last characters of an already normalised identifier kept, at least a third starred. Plain SQL,
-- inlined: mask.sql's column expressions call it directly on a value that needs no normalising (13812345678).
create or replace function mask.ends_kept(x text, keep_first integer, keep_last integer) returns text
language sql immutable parallel safe as $$
    select case when length(x) - keep_first - keep_last < greatest(1, (length(x) + 2) / 3)
                then mask.redact(x, case when length(x) >= 4 then 1 else 0 end)
                else left(x, keep_first) || repeat('*', length(x) - keep_first - keep_last) || right(x, keep_last) end
$$;

-- The first and last characters of an identifier kept, at least a third starred (values.keep_ends).
create or replace function mask.keep_ends(v text, keep_first integer, keep_last integer) returns text
language plpgsql immutable strict parallel safe as $$
begin
    return mask.ends_kept(regexp_replace(mask.identifier(v), '^(?:\+|00)86(?=1[0-9]{10}$)', ''), keep_first, keep_last);
end
$$;

-- 居民身份证号 with its region code, birth year and last characters kept as asked (values.resident_id).
create or replace function mask.resident_id(v text, region boolean, birth_year boolean, keep_last integer)
returns text
language plpgsql immutable strict parallel safe as $$
declare
    x text := upper(mask.identifier(v));
    n integer := length(x);
    y integer;
begin
    if x !~ '^(?:[0-9]{17}[0-9X]|[0-9]{15})$' then
        return mask.redact(x);
    end if;
    y := case when n = 18 then 4 else 2 end;
    return (case when region then left(x, 6) else '******' end)
        || (case when birth_year then substr(x, 7, y) else repeat('*', y) end)
        || repeat('*', n - 6 - y - keep_last) || right(x, keep_last);
end
$$;

-- The classifier's compound surnames (欧阳, 司马 …): installed from classify/data/surnames.txt. Not STRICT, so it
-- is inlined and the constant array hashed (~0.2 µs a call instead of ~1.6).
create or replace function mask.is_compound_surname(v text) returns boolean
language sql immutable parallel safe as $$
    select v = any (__COMPOUND_SURNAMES__::text[])
$$;

-- The surname of a name of two or more characters without spaces or separators kept, the rest starred. Plain SQL,
-- inlined: mask.sql's column expressions call it directly on a plain name (张三).
create or replace function mask.surname_kept(x text) returns text
language sql immutable parallel safe as $$
    select case when length(x) > 2 and mask.is_compound_surname(left(x, 2))
                then left(x, 2) || repeat('*', length(x) - 2) else left(x, 1) || repeat('*', length(x) - 1) end
$$;

-- A name's surname kept and its given name starred: 张三 → 张*, 欧阳娜娜 → 欧阳** (values.person_name).
create or replace function mask.person_name(v text) returns text
language plpgsql immutable strict parallel safe as $$
declare
    x text := regexp_replace(v, '[' || mask.whitespace() || ']', '', 'g');
begin
    if length(x) <= 1 then
        return mask.redact(x);
    elsif x ~ '[·•.．]' then
        return left(x, 1) || regexp_replace(substr(x, 2), '[^·•.．]', '*', 'g');
    end if;
    return mask.surname_kept(x);
end
$$;

-- A date with only its year left: 1990-**-** (masked) or 1990 (year) (values.birth_date).
create or replace function mask.birth_date(v text, output text) returns text
language plpgsql immutable strict parallel safe as $$
declare
    x text := mask.strip(mask.half_width(v));
begin
    if x !~ '^(?:18|19|20)[0-9]{2}' then
        return mask.redact(x);
    elsif output = 'year' then
        return left(x, 4);
    end if;
    return left(x, 4) || regexp_replace(substr(x, 5), '[0-9]', '*', 'g');
end
$$;

-- The mailbox's first character and the domain: z***@example.cn (values.email).
create or replace function mask.email(v text, keep_domain boolean) returns text
language plpgsql immutable strict parallel safe as $$
declare
    x text := mask.strip(v);
    at_from_end integer := strpos(reverse(x), '@');
    mailbox text;
    host text;
begin
    if at_from_end = 0 then
        return mask.redact(x);
    end if;
    mailbox := left(x, length(x) - at_from_end);
    host := right(x, at_from_end - 1);
    if mailbox = '' or host = '' then
        return mask.redact(x);
    end if;
    if not keep_domain then
        host := case when strpos(host, '.') > 0
                     then '***.' || reverse(split_part(reverse(host), '.', 1)) else '***' end;
    end if;
    return left(mailbox, 1) || '***@' || host;
end
$$;

-- An IP address with its first groups kept: 192.168.*.* (values.ip_address).
create or replace function mask.ip_address(v text, keep integer) returns text
language plpgsql immutable strict parallel safe as $$
declare
    x text := mask.strip(v);
    sep text := case when length(x) - length(replace(x, '.', '')) = 3 then '.'
                     when strpos(x, ':') > 0 then ':' else '' end;
begin
    if sep = '' then
        return mask.redact(x);
    end if;
    return array_to_string(
        array(select case when i <= keep then g else '*' end
              from unnest(string_to_array(x, sep)) with ordinality as t (g, i) order by i),
        sep
    );
end
$$;
