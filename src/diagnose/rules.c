// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rule file parser. Line-oriented so that a user can read and extend it
 * with any editor and no new library: `rule ID` opens a rule, the indented
 * `level`, `match`, `summary`, `advice`, `command` lines that follow fill it,
 * `explain REASON TEXT` says what a drop reason means. Every mistake is
 * refused with the file and line, so a typo never silently disables a rule.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "diagnose/rules.h"
#include "lib/util.h"

#ifndef NETOPROC_RULES_INSTALLED
#define NETOPROC_RULES_INSTALLED "/usr/local/share/netoproc/diagnose.rules"
#endif
#ifndef NETOPROC_RULES_SOURCE
#define NETOPROC_RULES_SOURCE "support/diagnose.rules"
#endif

static const char *const level_names[] = { "info", "warn", "error" };
static const char *const kind_names[] = { "drop", "counter", "gauge", "iface", "link", "socket",
					   "dns", "sockerr" };
/* What summary and advice templates may name; findings.c fills them in. */
static const char *const placeholders[] = {
	"count", "reason", "location", "dev", "tuple", "netns", "process", "container", "proto",
	"counter", "value", "of", "percent", "state", "socket", "nft", "resolver", "qname", "rcode",
	"errno", NULL,
};

const char *rule_level_name(enum rule_level l)
{
	return level_names[l];
}

const char *rule_kind_name(enum rule_kind k)
{
	return kind_names[k];
}

bool rule_kind_needs_bpf(enum rule_kind k)
{
	return k == RULE_DROP || k == RULE_DNS || k == RULE_SOCKERR;
}

/* Does @name match one of the comma-separated globs of @list (NULL: all)? */
static bool list_matches(const char *list, const char *name)
{
	const char *p = list;

	if (!p)
		return true;
	while (*p) {
		char pat[RULE_NAME_MAX];
		size_t len = strcspn(p, ",");

		snprintf(pat, sizeof(pat), "%.*s", (int)len, p);
		if (fnmatch(pat, name, 0) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

bool rule_reason_matches(const struct rule *r, const char *reason)
{
	return list_matches(r->reason, reason);
}

bool rule_rcode_matches(const struct rule *r, const char *rcode)
{
	return list_matches(r->rcode, rcode);
}

bool rule_errno_matches(const struct rule *r, const char *name)
{
	return list_matches(r->errnos, name);
}

const char *rules_default_path(void)
{
	if (access(NETOPROC_RULES_INSTALLED, R_OK) == 0)
		return NETOPROC_RULES_INSTALLED;
	if (access(NETOPROC_RULES_SOURCE, R_OK) == 0)
		return NETOPROC_RULES_SOURCE;
	return NULL;
}

struct parser {
	struct ruleset *rs;
	const char *name;
	int line;
	struct rule *cur;	/* the rule being filled, or NULL */
};

static int bad(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	np_err("%s:%d: %s", p->name, p->line, msg);
	return -EINVAL;
}

static int index_of(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

/*
 * {name} with name of lower-case letters is a placeholder and must be known;
 * braces around anything else ("awk '{print $4}'") are plain text.
 */
static int check_template(struct parser *p, const char *t)
{
	for (const char *s = strchr(t, '{'); s; s = strchr(s + 1, '{')) {
		size_t len = strspn(s + 1, "abcdefghijklmnopqrstuvwxyz");
		char name[32];

		if (len == 0 || s[len + 1] != '}')
			continue;
		if (len >= sizeof(name))
			return bad(p, "unknown placeholder {%.*s}", (int)len, s + 1);
		memcpy(name, s + 1, len);
		name[len] = 0;
		if (index_of(placeholders, sizeof(placeholders) / sizeof(*placeholders) - 1,
			     name) < 0)
			return bad(p, "unknown placeholder {%s}", name);
	}
	return 0;
}

static int set_str(struct parser *p, char **dst, const char *v, const char *key)
{
	if (*dst)
		return bad(p, "'%s' given twice", key);
	*dst = strdup(v);
	if (!*dst) {
		np_err("out of memory reading %s", p->name);
		return -ENOMEM;
	}
	return 0;
}

static int set_fixed(struct parser *p, char *dst, size_t size, const char *v, const char *key)
{
	if (*dst)
		return bad(p, "'%s' given twice", key);
	if (strlen(v) >= size)
		return bad(p, "value of '%s' too long", key);
	strcpy(dst, v);
	return 0;
}

static int set_port(struct parser *p, int *dst, const char *v, const char *key)
{
	uint64_t n;

	if (*dst >= 0)
		return bad(p, "'%s' given twice", key);
	if (parse_u64(v, 0, 65535, &n))
		return bad(p, "'%s' is not a port (0-65535)", key);
	*dst = (int)n;
	return 0;
}

/* Which match keys each kind takes (space-separated, padded). */
static const char *const kind_keys[] = {
	[RULE_DROP] = " reason location proto dev flags sport dport min ",
	[RULE_COUNTER] = " name min ",
	[RULE_GAUGE] = " name of min ",
	[RULE_IFACE] = " name dev min ",
	[RULE_LINK] = " state dev ",
	[RULE_SOCKET] = " proto min ",
	[RULE_DNS] = " rcode qname min ",
	[RULE_SOCKERR] = " proto errno min ",
};

static const char *const iface_fields = " rx_dropped tx_dropped rx_errors tx_errors ";
static const char *const link_states = " down no-carrier ";
static const char *const socket_protos = " udp udp6 raw raw6 ";

static bool in_list(const char *list, const char *word)
{
	char pad[RULE_NAME_MAX + 2];

	snprintf(pad, sizeof(pad), " %s ", word);
	return strstr(list, pad) != NULL;
}

static int match_term(struct parser *p, struct rule *r, char *term, bool *has_min)
{
	char *eq = strchr(term, '=');
	char *v;

	if (!eq || eq == term || !eq[1])
		return bad(p, "match term '%s' is not KEY=VALUE", term);
	*eq = 0;
	v = eq + 1;
	if (!in_list(kind_keys[r->kind], term)) {
		char msg[96];

		snprintf(msg, sizeof(msg), "'%s' is not a key of match %s", term,
			 kind_names[r->kind]);
		return bad(p, "%s", msg);
	}
	if (strcmp(term, "reason") == 0)
		return set_str(p, &r->reason, v, term);
	if (strcmp(term, "location") == 0)
		return set_str(p, &r->location, v, term);
	if (strcmp(term, "dev") == 0)
		return set_str(p, &r->dev, v, term);
	if (strcmp(term, "rcode") == 0)
		return set_str(p, &r->rcode, v, term);
	if (strcmp(term, "qname") == 0)
		return set_str(p, &r->qname, v, term);
	if (strcmp(term, "errno") == 0)
		return set_str(p, &r->errnos, v, term);
	if (strcmp(term, "proto") == 0) {
		if (r->kind == RULE_SOCKET && !in_list(socket_protos, v))
			return bad(p, "socket proto '%s': udp, udp6, raw or raw6", v);
		return set_fixed(p, r->proto, sizeof(r->proto), v, term);
	}
	if (strcmp(term, "flags") == 0) {
		if (strspn(v, "FSRPAUEC") != strlen(v))
			return bad(p, "flags '%s': letters of FSRPAUEC", v);
		return set_fixed(p, r->flags, sizeof(r->flags), v, term);
	}
	if (strcmp(term, "sport") == 0)
		return set_port(p, &r->sport, v, term);
	if (strcmp(term, "dport") == 0)
		return set_port(p, &r->dport, v, term);
	if (strcmp(term, "name") == 0) {
		if (r->kind == RULE_IFACE && !in_list(iface_fields, v))
			return bad(p, "iface name '%s': rx_dropped, tx_dropped, rx_errors or "
				   "tx_errors", v);
		return set_fixed(p, r->name, sizeof(r->name), v, term);
	}
	if (strcmp(term, "of") == 0)
		return set_fixed(p, r->of, sizeof(r->of), v, term);
	if (strcmp(term, "state") == 0) {
		if (!in_list(link_states, v))
			return bad(p, "link state '%s': down or no-carrier", v);
		return set_fixed(p, r->state, sizeof(r->state), v, term);
	}
	/* min */
	if (*has_min)
		return bad(p, "'%s' given twice", term);
	if (parse_u64(v, 1, UINT64_MAX, &r->min))
		return bad(p, "min '%s' is not a number >= 1", v);
	*has_min = true;
	return 0;
}

static int parse_match(struct parser *p, struct rule *r, char *v)
{
	char *save = NULL, *kind = strtok_r(v, " \t", &save), *term;
	bool has_min = false;
	int k, err;

	if (!kind)
		return bad(p, "'match' needs a kind (drop, counter, gauge, iface, link, socket, dns, "
			   "sockerr)");
	k = index_of(kind_names, sizeof(kind_names) / sizeof(*kind_names), kind);
	if (k < 0)
		return bad(p, "unknown match kind '%s'", kind);
	r->kind = (enum rule_kind)k;
	while ((term = strtok_r(NULL, " \t", &save)))
		if ((err = match_term(p, r, term, &has_min)))
			return err;
	if (!has_min)
		r->min = 1;
	if ((r->kind == RULE_COUNTER || r->kind == RULE_GAUGE || r->kind == RULE_IFACE) &&
	    !r->name[0])
		return bad(p, "match %s needs name=", kind);
	if (r->kind == RULE_GAUGE && !has_min)
		return bad(p, "match gauge needs min=");
	if (r->kind == RULE_LINK && !r->state[0])
		return bad(p, "match link needs state=");
	if (r->kind == RULE_DNS && !r->rcode)
		return bad(p, "match dns needs rcode= (answer codes, or TIMEOUT)");
	return 0;
}

/* The rule ending at this point is complete? */
static int finish_rule(struct parser *p)
{
	struct rule *r = p->cur;
	int line = p->line;
	int err = 0;

	if (!r)
		return 0;
	p->line = r->line;
	if (r->kind == (enum rule_kind)-1)
		err = bad(p, "rule '%s' has no 'match' line", r->id);
	else if (!r->summary)
		err = bad(p, "rule '%s' has no 'summary' line", r->id);
	else if (!r->advice)
		err = bad(p, "rule '%s' has no 'advice' line", r->id);
	else if ((int)r->level < 0)
		err = bad(p, "rule '%s' has no 'level' line", r->id);
	p->line = line;
	p->cur = NULL;
	return err;
}

static int new_rule(struct parser *p, const char *id)
{
	struct ruleset *rs = p->rs;
	struct rule *r;

	if (!*id || strlen(id) >= RULE_ID_MAX || strspn(id, "abcdefghijklmnopqrstuvwxyz"
							    "0123456789-_.") != strlen(id))
		return bad(p, "rule id '%s': lower-case letters, digits, '-', '_', '.'", id);
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].id, id) == 0)
			return bad(p, "rule '%s' defined twice", id);
	r = realloc(rs->r, (rs->n + 1) * sizeof(*r));
	if (!r) {
		np_err("out of memory reading %s", p->name);
		return -ENOMEM;
	}
	rs->r = r;
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	strcpy(r->id, id);
	r->level = (enum rule_level)-1;
	r->kind = (enum rule_kind)-1;
	r->sport = r->dport = -1;
	r->line = p->line;
	p->cur = r;
	return 0;
}

static int new_explain(struct parser *p, char *v)
{
	struct ruleset *rs = p->rs;
	struct rule_explain *e;
	size_t len = strcspn(v, " \t");
	char *text = v + len;

	text += strspn(text, " \t");
	if (!len || !*text)
		return bad(p, "'explain' needs a reason and a text");
	v[len] = 0;
	for (size_t i = 0; i < rs->nex; i++)
		if (strcmp(rs->ex[i].reason, v) == 0)
			return bad(p, "reason '%s' explained twice", v);
	e = realloc(rs->ex, (rs->nex + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	rs->ex = e;
	e = &rs->ex[rs->nex++];
	e->reason = strdup(v);
	e->text = strdup(text);
	if (!e->reason || !e->text)
		return -ENOMEM;
	return 0;
}

static int parse_line(struct parser *p, char *s)
{
	bool indented = *s == ' ' || *s == '\t';
	char *key, *v;
	size_t len;

	/* trailing blanks off; blank lines and comments skipped */
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		s[--len] = 0;
	s += strspn(s, " \t");
	if (!*s || *s == '#')
		return 0;
	key = s;
	len = strcspn(s, " \t");
	v = s + len;
	if (*v)
		*v++ = 0;
	v += strspn(v, " \t");
	if (!indented) {
		int err = finish_rule(p);

		if (err)
			return err;
		if (strcmp(key, "rule") == 0)
			return new_rule(p, v);
		if (strcmp(key, "explain") == 0)
			return new_explain(p, v);
		return bad(p, "expected 'rule ID' or 'explain REASON TEXT', got '%s'", key);
	}
	if (!p->cur)
		return bad(p, "'%s' outside a rule", key);
	if (!*v)
		return bad(p, "'%s' needs a value", key);
	if (strcmp(key, "level") == 0) {
		int l = index_of(level_names, 3, v);

		if ((int)p->cur->level >= 0)
			return bad(p, "'%s' given twice", key);
		if (l < 0)
			return bad(p, "level '%s': info, warn or error", v);
		p->cur->level = (enum rule_level)l;
		return 0;
	}
	if (strcmp(key, "match") == 0) {
		if ((int)p->cur->kind >= 0)
			return bad(p, "'%s' given twice", key);
		return parse_match(p, p->cur, v);
	}
	if (strcmp(key, "summary") == 0 || strcmp(key, "advice") == 0 ||
	    strcmp(key, "command") == 0) {
		char **dst = key[0] == 's' ? &p->cur->summary :
			     key[0] == 'a' ? &p->cur->advice : &p->cur->command;
		int err = check_template(p, v);

		return err ? err : set_str(p, dst, v, key);
	}
	return bad(p, "unknown key '%s' (level, match, summary, advice, command)", key);
}

int rules_parse(struct ruleset *rs, const char *name, const char *text)
{
	struct parser p = { .rs = rs, .name = name };
	const char *s = text;
	int err = 0;

	memset(rs, 0, sizeof(*rs));
	rs->path = strdup(name);
	if (!rs->path)
		return -ENOMEM;
	while (*s && !err) {
		size_t len = strcspn(s, "\n");
		char *line = strndup(s, len);

		p.line++;
		if (!line) {
			err = -ENOMEM;
			break;
		}
		if (strlen(line) != len)
			err = bad(&p, "NUL byte in the line");
		else
			err = parse_line(&p, line);
		free(line);
		s += len + (s[len] == '\n');
	}
	if (!err)
		err = finish_rule(&p);
	if (!err && rs->n == 0) {
		p.line = p.line ? p.line : 1;
		err = bad(&p, "no rules in the file");
	}
	if (err)
		rules_free(rs);
	return err;
}

int rules_load(struct ruleset *rs, const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int err;

	if (!f) {
		err = -errno;
		np_err("rule file %s: %s", path, strerror(-err));
		return err;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *t;

			if (cap > (16u << 20)) {
				fclose(f);
				free(text);
				np_err("rule file %s: larger than 16 MiB", path);
				return -EFBIG;
			}
			t = realloc(text, cap + 65536);
			if (!t) {
				fclose(f);
				free(text);
				return -ENOMEM;
			}
			text = t;
			cap += 65536;
		}
		size_t got = fread(text + len, 1, cap - len - 1, f);

		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		err = -EIO;
		np_err("rule file %s: read error", path);
		fclose(f);
		free(text);
		return err;
	}
	fclose(f);
	text[len] = 0;
	if (strlen(text) != len) {
		np_err("%s:%d: NUL byte in the file", path, 1);
		free(text);
		return -EINVAL;
	}
	err = rules_parse(rs, path, text);
	free(text);
	return err;
}

void rules_free(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->r[i].reason);
		free(rs->r[i].location);
		free(rs->r[i].dev);
		free(rs->r[i].rcode);
		free(rs->r[i].qname);
		free(rs->r[i].errnos);
		free(rs->r[i].summary);
		free(rs->r[i].advice);
		free(rs->r[i].command);
	}
	for (size_t i = 0; i < rs->nex; i++) {
		free(rs->ex[i].reason);
		free(rs->ex[i].text);
	}
	free(rs->r);
	free(rs->ex);
	free(rs->path);
	memset(rs, 0, sizeof(*rs));
}
