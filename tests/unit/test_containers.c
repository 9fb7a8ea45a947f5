// SPDX-License-Identifier: GPL-2.0-only
/*
 * Container identity from cgroup paths: every pattern docker, containerd, CRI-O,
 * podman, LXC and systemd-nspawn create (systemd and cgroupfs drivers, v1 and v2
 * hierarchies), and the runtimes' metadata files read from a root built here.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "containers/cgroup_ident.h"
#include "containers/ct_meta.h"
#include "containers/json_scan.h"
#include "monitor/model/view.h"

#define ID "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
#define UID_ "0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0"
#define UID "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"

struct ident_case {
	const char *path;
	const char *runtime;	/* NULL: not a container */
	const char *id, *name, *pod_uid, *unit;
};

static const struct ident_case cases[] = {
	/* docker, systemd and cgroupfs drivers */
	{ "/system.slice/docker-" ID ".scope", "docker", ID, "", "", "docker-" ID ".scope" },
	{ "/docker/" ID, "docker", ID, "", "", "" },
	{ "docker/" ID, "docker", ID, "", "", "" },
	/* systemd inside a docker container: the container is the outermost match */
	{ "/system.slice/docker-" ID ".scope/system.slice/nginx.service", "docker", ID, "", "",
	  "nginx.service" },
	/* Kubernetes, systemd driver: each QoS class and each CRI runtime */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/"
	  "cri-containerd-" ID ".scope", "containerd", ID, "", UID, "cri-containerd-" ID ".scope" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/"
	  "crio-" ID ".scope", "cri-o", ID, "", UID, "crio-" ID ".scope" },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID ".scope", "docker", ID, "", UID,
	  "docker-" ID ".scope" },
	/* CRI-O's monitor is not the container */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID ".scope", NULL, "", "", UID,
	  "crio-conmon-" ID ".scope" },
	/* Kubernetes, cgroupfs driver */
	{ "/kubepods/besteffort/pod" UID "/" ID, "", ID, "", UID, "" },
	{ "/kubepods/pod" UID "/" ID, "", ID, "", UID, "" },
	{ "/kubepods/burstable/pod" UID "/crio-" ID, "cri-o", ID, "", UID, "" },
	/* a static pod's UID is its config hash: 32 hex digits */
	{ "/kubepods/burstable/pod0123456789abcdef0123456789abcdef/" ID, "", ID, "",
	  "0123456789abcdef0123456789abcdef", "" },
	/* the pod's own cgroup: a pod, no container */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice", NULL,
	  "", "", UID, "" },
	/* podman: rootful, rootless, in a pod, cgroupfs */
	{ "/machine.slice/libpod-" ID ".scope", "podman", ID, "", "", "libpod-" ID ".scope" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope", "podman",
	  ID, "", "", "libpod-" ID ".scope" },
	{ "/machine.slice/machine-libpod_pod_0123.slice/libpod-" ID ".scope/container", "podman",
	  ID, "", "", "libpod-" ID ".scope" },
	{ "/libpod_parent/libpod-" ID, "podman", ID, "", "", "" },
	{ "/machine.slice/libpod-conmon-" ID ".scope", NULL, "", "", "", "libpod-conmon-" ID ".scope" },
	/* containerd without Kubernetes (nerdctl) */
	{ "/system.slice/nerdctl-" ID ".scope", "containerd", ID, "", "", "nerdctl-" ID ".scope" },
	/* LXC 4+ and older, and its monitor (not the container) */
	{ "/lxc.payload.web1", "lxc", "web1", "web1", "", "" },
	{ "/lxc.payload.web1/init.scope", "lxc", "web1", "web1", "", "init.scope" },
	{ "/lxc/web1", "lxc", "web1", "web1", "", "" },
	{ "/lxc.monitor.web1", NULL, "", "", "", "" },
	/* systemd-nspawn, as a service and registered with machined */
	{ "/machine.slice/systemd-nspawn@build.service", "systemd-nspawn", "build", "build", "",
	  "systemd-nspawn@build.service" },
	{ "/machine.slice/systemd-nspawn@build.service/payload/system.slice/sshd.service",
	  "systemd-nspawn", "build", "build", "", "sshd.service" },
	{ "/machine.slice/machine-my\\x2dbox.scope", "systemd-nspawn", "my-box", "my-box", "",
	  "machine-my\\x2dbox.scope" },
	/* libvirt's VMs register with machined too: not containers */
	{ "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope", NULL, "", "", "",
	  "machine-qemu\\x2d1\\x2dvm.scope" },
	/* host processes: units only */
	{ "/system.slice/ssh.service", NULL, "", "", "", "ssh.service" },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo.scope", NULL, "", "", "",
	  "app-foo.scope" },
	{ "/user.slice/user-1000.slice/session-3.scope", NULL, "", "", "", "session-3.scope" },
	{ "/", NULL, "", "", "", "" },
	{ "", NULL, "", "", "", "" },
	/* near misses: 63 hex digits, upper case, a different prefix */
	{ "/system.slice/docker-" "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"
	  ".scope", NULL, "", "", "", "docker-3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708.scope" },
	{ "/docker/3F4E5A6B7C8D9E0F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F7081", NULL, "", "", "",
	  "" },
	{ "/system.slice/dockerd-" ID ".scope", NULL, "", "", "", "dockerd-" ID ".scope" },
	/* "pod" not followed by a UID */
	{ "/podcasts/x", NULL, "", "", "", "" },
};

static void test_ident_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ident_case *c = &cases[i];
		struct cgroup_ident id;
		bool is = cgroup_ident_parse(c->path, &id);

		if (is != (c->runtime != NULL))
			fprintf(stderr, "  case %zu: %s\n", i, c->path);
		CHECK(is == (c->runtime != NULL));
		if (c->runtime && c->runtime[0])
			CHECK_STR(ct_runtime_name(id.runtime), c->runtime);
		else if (c->runtime)
			CHECK(id.runtime == CT_UNKNOWN);
		CHECK_STR(id.id, c->id);
		CHECK_STR(id.name, c->name);
		CHECK_STR(id.pod_uid, c->pod_uid);
		CHECK_STR(id.unit, c->unit);
	}
	CHECK(!cgroup_ident_parse(NULL, &(struct cgroup_ident){}));
}

static void test_short_id(void)
{
	char s[CT_ID_MAX];

	ct_short_id(ID, s, sizeof(s));
	CHECK_STR(s, "3f4e5a6b7c8d");
	ct_short_id("web1", s, sizeof(s));
	CHECK_STR(s, "web1");
}

#define ID2 "aa4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
#define ID3 "bb4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"

static void put(const char *root, const char *rel, const char *text)
{
	char path[4096], cmd[4300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	CHECK(system(cmd) == 0);
	if (!text)
		return;
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_meta_files(void)
{
	char root[] = "/tmp/np-ct-meta-XXXXXX", cmd[256];
	struct ct_info ci;

	CHECK(mkdtemp(root) != NULL);
	/* docker: "Name" at the top, and nested ones (a label, a volume) that are not it */
	put(root, "var/lib/docker/containers/" ID "/config.v2.json",
	    "{\"State\":{\"Running\":true},\"ID\":\"" ID "\",\"Config\":{\"Labels\":"
	    "{\"Name\":\"label\"}},\"MountPoints\":{\"/d\":{\"Name\":\"vol\"}},"
	    " \"Name\" : \"/web\\u002d1\",\"Driver\":\"overlay2\"}");
	ct_meta_lookup(root, "/system.slice/docker-" ID ".scope", &ci);
	CHECK_STR(ct_runtime_name(ci.ident.runtime), "docker");
	CHECK_STR(ci.name, "web-1");
	CHECK_STR(ci.pod_name, "");
	ct_meta_lookup(root, "/docker/" ID, &ci);
	CHECK_STR(ci.name, "web-1");
	/* podman: containers.json, its metadata string holding escaped quotes */
	put(root, "var/lib/containers/storage/overlay-containers/containers.json",
	    "[{\"id\":\"" ID3 "\",\"names\":[\"other\"],\"metadata\":\"{\\\"names\\\":[\\\"x\\\"]}\"},"
	    " {\"id\": \"" ID2 "\", \"metadata\":\"{\\\"id\\\":\\\"" ID3 "\\\"}\", \"names\": [\"db\", \"db2\"]}]");
	ct_meta_lookup(root, "/machine.slice/libpod-" ID2 ".scope", &ci);
	CHECK_STR(ct_runtime_name(ci.ident.runtime), "podman");
	CHECK_STR(ci.name, "db");
	ct_meta_lookup(root, "/machine.slice/libpod-" ID ".scope", &ci);
	CHECK_STR(ci.name, "");
	/* Kubernetes: kubelet's pod log directory and container log link */
	put(root, "var/log/pods/shop_cart-7d9f_" UID "/app/0.log", "");
	put(root, "var/log/pods/other_cart-7d9f_" UID "0/app/0.log", "");
	put(root, "var/log/containers/cart-7d9f_shop_app-" ID2 ".log", "");
	put(root, "run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID2 "/config.json", "{}");
	ct_meta_lookup(root, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		       ".slice/cri-containerd-" ID2 ".scope", &ci);
	CHECK_STR(ct_runtime_name(ci.ident.runtime), "containerd");
	CHECK_STR(ci.ident.pod_uid, UID);
	CHECK_STR(ci.k8s_namespace, "shop");
	CHECK_STR(ci.pod_name, "cart-7d9f");
	CHECK_STR(ci.name, "app");
	/* cgroupfs driver: the runtime from whose state holds the id */
	ct_meta_lookup(root, "/kubepods/besteffort/pod" UID "/" ID2, &ci);
	CHECK_STR(ct_runtime_name(ci.ident.runtime), "containerd");
	CHECK_STR(ci.name, "app");
	ct_meta_lookup(root, "/kubepods/besteffort/pod" UID "/" ID, &ci);
	CHECK_STR(ct_runtime_name(ci.ident.runtime), "docker");
	ct_meta_lookup(root, "/kubepods/besteffort/pod" UID "/" ID3, &ci);
	CHECK(ci.ident.runtime == CT_UNKNOWN);
	CHECK(ct_runtime_name(ci.ident.runtime) == NULL);
	CHECK_STR(ci.ident.id, ID3);
	/* nothing there at all */
	ct_meta_lookup("/nonexistent-np", "/system.slice/docker-" ID ".scope", &ci);
	CHECK_STR(ci.name, "");
	CHECK_STR(ci.ident.id, ID);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
}

static void test_json_scan_malformed(void)
{
	char out[32];

	CHECK(!js_member_string("{\"Name\":", "Name", out, sizeof(out)));
	CHECK(!js_member_string("{\"a\":{\"b\":[1,2,{\"c\":\"", "Name", out, sizeof(out)));
	CHECK(!js_member_string("{\"Name\":\"abc", "Name", out, sizeof(out)));
	CHECK(!js_member_string("{\"Name\":12}", "Name", out, sizeof(out)));
	CHECK(js_member_string("{\"x\":[{}],\"Name\":\"\\\"q\\\"\"}", "Name", out, sizeof(out)));
	CHECK_STR(out, "\"q\"");
	/* cut to the buffer */
	CHECK(js_member_string("{\"Name\":\"0123456789\"}", "Name", out, 5));
	CHECK_STR(out, "0123");
}

/* A hybrid host's /proc/PID/cgroup: the cgroupfs driver names the container in v1 only. */
static void test_v1_lines(void)
{
	struct ct_info ci;

	CHECK(ct_meta_lookup_v1_text("/nonexistent-np",
				     "12:pids:/docker/" ID "\n"
				     "1:name=systemd:/docker/" ID "\n"
				     "0::/system.slice/containerd.service\n", &ci));
	CHECK_STR(ct_runtime_name(ci.ident.runtime), "docker");
	CHECK_STR(ci.ident.id, ID);
	/* the v2 line is not read again; host processes name no container */
	CHECK(!ct_meta_lookup_v1_text("/nonexistent-np", "0::/docker/" ID "\n", &ci));
	CHECK(!ct_meta_lookup_v1_text("/nonexistent-np",
				      "4:memory:/user.slice\n1:name=systemd:/user.slice/session-2.scope\n",
				      &ci));
	CHECK_STR(ci.ident.id, "");
	CHECK(!ct_meta_lookup_v1_text("/nonexistent-np", "garbage\n::\n", &ci));
}

/* --group sums and the identity filters over hand-made processes. */
static void test_view_groups_and_filters(void)
{
	struct ct_info a = {}, b = {};
	struct np_proc p[4] = {};
	struct np_proc *rows[4] = { &p[0], &p[1], &p[2], &p[3] };
	struct view v = { .procs = rows, .n = 4 };
	struct view_opts o = {};
	struct view_group *gs;
	struct stat st;
	size_t n;

	ct_meta_lookup("/nonexistent-np", "/system.slice/docker-" ID ".scope", &a);
	snprintf(a.name, sizeof(a.name), "web");
	ct_meta_lookup("/nonexistent-np", "/system.slice/cron.service", &b);
	for (int i = 0; i < 4; i++) {
		p[i].pid = 100 + i;
		p[i].total.rx_bytes = 10 * (i + 1);
		p[i].total.tx_payload = i + 1;
		p[i].netns = i < 2 ? 4026531840u : 4026532000u;
	}
	p[0].ct = p[2].ct = &a;	/* two processes of one container, in two namespaces */
	p[1].ct = &b;
	p[3].is_unknown = true;
	CHECK(view_groups(&v, GROUP_CONTAINER, &gs, &n) == 0);
	CHECK_EQ_U64(n, 3);
	CHECK_STR(gs[0].key, ID);	/* 10 + 30 bytes: the largest first */
	CHECK_EQ_U64(gs[0].n, 2);
	CHECK_EQ_U64(gs[0].sum.rx_bytes, 40);
	CHECK_EQ_U64(gs[0].sum.tx_payload, 4);
	CHECK(gs[0].members[0] == &p[0] && gs[0].members[1] == &p[2]);
	CHECK_STR(gs[1].key, "");	/* the host process */
	CHECK_EQ_U64(gs[1].sum.rx_bytes, 20);
	CHECK(gs[2].unknown && gs[2].n == 1 && gs[2].sum.rx_bytes == 40);
	view_groups_free(gs, n);
	CHECK(view_groups(&v, GROUP_NETNS, &gs, &n) == 0);
	CHECK_EQ_U64(n, 3);
	CHECK_STR(gs[0].key, "4026531840");
	CHECK_EQ_U64(gs[0].sum.rx_bytes, 30);
	view_groups_free(gs, n);
	v.n = 0;
	CHECK(view_groups(&v, GROUP_UNIT, &gs, &n) == 0 && n == 0);
	view_groups_free(gs, n);

	CHECK(view_parse_container("we", &o) == 0);
	CHECK(view_proc_selected(&p[0], &o) && !view_proc_selected(&p[1], &o));
	CHECK(!view_proc_selected(&p[3], &o));	/* unknown has no container */
	o.container = ID "0";	/* longer than the id */
	CHECK(!view_proc_selected(&p[0], &o));
	o.container = "3f4e5a";
	CHECK(view_proc_selected(&p[0], &o));
	o.container = NULL;
	CHECK(view_parse_unit("cron", &o) == 0);
	CHECK(view_proc_selected(&p[1], &o) && !view_proc_selected(&p[0], &o));
	o.unit = "cron.service";
	CHECK(view_proc_selected(&p[1], &o));
	o.unit = "cro";
	CHECK(!view_proc_selected(&p[1], &o));
	o.unit = NULL;
	CHECK(view_parse_unit("a/b", &o) != 0);
	CHECK(view_parse_netns("/proc/self/ns/net", &o) == 0);
	CHECK(stat("/proc/self/ns/net", &st) == 0);
	CHECK_EQ_U64(o.nnetns, 1);
	CHECK_EQ_U64(o.netns[0], st.st_ino);
	o.nnetns = 0;
	CHECK(view_parse_netns("4026532000", &o) == 0);
	CHECK(!view_proc_selected(&p[0], &o) && view_proc_selected(&p[2], &o));
	CHECK(view_parse_netns("4026531840", &o) == 0);	/* repeatable: either one */
	CHECK(view_proc_selected(&p[0], &o) && view_proc_selected(&p[2], &o));
	CHECK(view_parse_netns("all", &o) == 0 && o.netns_all);
	CHECK(view_parse_netns("/etc/hostname", &o) != 0);
	CHECK(view_parse_netns("12x", &o) != 0);
	CHECK(view_parse_netns("0", &o) != 0);
	CHECK(view_parse_group("pod", &o) == 0 && o.group == GROUP_POD);
	CHECK(view_parse_group("pods", &o) != 0);
}

TEST_MAIN(T(test_ident_table), T(test_short_id), T(test_meta_files), T(test_json_scan_malformed),
	  T(test_v1_lines), T(test_view_groups_and_filters))
