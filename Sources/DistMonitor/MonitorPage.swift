/// The web monitor's single page: inline CSS and JavaScript, no external assets, so it works offline.
///
/// It polls `/api/state?since=…` every second, merges the spans by id, and draws one lane per host and slot
/// on a canvas (the last minutes, newest at the right), coloured by phase as `distccmon-gnome` does; a table
/// above shows each host's totals, back-off state and, with `--daemon-stats`, its load and capacity.
enum MonitorPage {
  static let html = """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><title>distcc monitor</title>
    <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
    <style>
    :root{--bg:#101418;--panel:#182028;--text:#dde3ea;--dim:#8a96a3;--line:#2a3440}
    *{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;background:var(--bg);color:var(--text)}
    header{display:flex;gap:16px;align-items:baseline;padding:12px 20px;border-bottom:1px solid var(--line)}
    h1{font-size:18px;margin:0}#status{color:var(--dim);flex:1}#status.bad{color:#ff6b6b}
    main{padding:12px 20px}select{background:var(--panel);color:var(--text);border:1px solid var(--line)}
    table{border-collapse:collapse;width:100%;margin-bottom:16px}th,td{padding:4px 10px;text-align:right;border-bottom:1px solid var(--line)}
    th:first-child,td:first-child{text-align:left}th{color:var(--dim);font-weight:500}
    .badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;margin-left:6px}
    .off{background:#b23b3b;color:#fff}.busy{background:#2e7d32;color:#fff}.idle{background:#37474f;color:#cfd8dc}
    .err{color:#ff9e80;font-size:12px}#legend span{display:inline-block;margin-right:14px}
    #legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border-radius:2px}
    #wrap{position:relative;background:var(--panel);border:1px solid var(--line)}canvas{display:block;width:100%}
    #tip{position:absolute;pointer-events:none;background:#000d;padding:4px 8px;border-radius:4px;font-size:12px;display:none;white-space:pre}
    #jobs{font:12px/1.5 ui-monospace,monospace;white-space:pre;color:var(--dim);margin-top:12px}
    </style></head><body>
    <header><h1>distcc monitor</h1><span id="status">connecting…</span>
    <label>window <select id="win"><option value="60">1 min</option><option value="300" selected>5 min</option>
    <option value="600">10 min</option></select></label></header>
    <main><table id="hosts"><thead><tr><th>host</th><th>running</th><th>capacity</th><th>load</th><th>jobs</th>
    <th>failures</th><th>back-offs</th><th>avg time</th></tr></thead><tbody></tbody></table>
    <div id="legend"></div><div id="wrap"><canvas id="lanes" height="60"></canvas><div id="tip"></div></div>
    <div id="jobs"></div><section id="discovered"></section><section id="mismatches"></section></main>
    <script>
    "use strict";
    const COLORS={Startup:"#9e9e9e",Blocked:"#8d6e63",Connect:"#ab47bc",Preprocess:"#42a5f5",Send:"#ffa726",
      Compile:"#66bb6a",Receive:"#26c6da",Done:"#607d8b"};
    const ROW=18,LABEL=170,AXIS=20,MAXSPANS=25000;
    const spans=new Map();let hosts=[],lanes=[],byLane=new Map(),since=null,offset=0,dirty=true,windowMs=300000;
    const $=id=>document.getElementById(id);
    $("legend").innerHTML=Object.keys(COLORS).filter(p=>p!=="Done")
      .map(p=>`<span><i style="background:${COLORS[p]}"></i>${p}</span>`).join("");
    $("win").onchange=e=>{windowMs=1000*e.target.value;dirty=true};
    const asked=new URLSearchParams(location.search).get("window");
    if(asked&&[...$("win").options].some(o=>o.value===asked)){$("win").value=asked;windowMs=1000*asked}
    const esc=s=>String(s).replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
    const secs=ms=>ms==null?"–":ms<1000?ms+" ms":(ms/1000).toFixed(1)+" s";
    const serverNow=()=>Date.now()+offset;
    function rebuild(){
      lanes=[];for(const h of hosts)for(const s of (h.slots.length?h.slots:[0]))lanes.push({host:h.name,slot:s});
      byLane=new Map(lanes.map((l,i)=>[l.host+"\\u0000"+l.slot,i]));dirty=true}
    function table(){
      const now=serverNow();
      $("hosts").tBodies[0].innerHTML=hosts.map(h=>{
        const off=h.backedOffUntil&&h.backedOffUntil>now;
        const state=off?`<span class="badge off">backed off ${Math.ceil((h.backedOffUntil-now)/1000)} s</span>`
          :h.running?'<span class="badge busy">busy</span>':'<span class="badge idle">idle</span>';
        const st=h.stats||{};
        return `<tr><td>${esc(h.name)}${state}${h.statsError?`<div class="err">${esc(h.statsError)}</div>`:""}</td>`+
          `<td>${h.running}</td><td>${st.capacity??"–"}</td><td>${st.load1!=null?st.load1.toFixed(2):"–"}</td>`+
          `<td>${h.jobs}</td><td>${h.failures}</td><td>${h.backoffs}</td><td>${secs(h.averageMs)}</td></tr>`}).join("");
      const open=[...spans.values()].filter(s=>s.end==null).sort((a,b)=>a.host<b.host?-1:a.host>b.host?1:a.slot-b.slot);
      $("jobs").textContent=open.map(s=>`${String(s.pid).padStart(6)}  ${s.phase.padEnd(10)}  ${s.file.padEnd(30)} ${s.host}[${s.slot}]`).join("\\n")}
    function farm(s){
      const now=serverNow();
      $("discovered").innerHTML=s.discovered.length?"<h2>found by zeroconf</h2>"+s.discovered
        .map(d=>`<div>${esc(d.host)} · ${d.jobs??"?"} jobs</div>`).join(""):"";
      $("mismatches").innerHTML=s.mismatches.length?"<h2>compiler mismatches</h2>"+s.mismatches
        .map(m=>`<div class="err">${esc(m.host)}: client ${esc(m.client)}, this host ${esc(m.server)}`+
          (m.pausedUntil>now?` · paused ${Math.ceil((m.pausedUntil-now)/1000)} s`:"")+"</div>").join(""):""}
    async function poll(){
      try{
        const r=await fetch("/api/state"+(since==null?"":"?since="+since),{cache:"no-store"});
        if(!r.ok)throw new Error("HTTP "+r.status);
        const s=await r.json();offset=s.now-Date.now();
        for(const sp of s.spans)spans.set(sp.id,sp);
        const oldest=s.now-s.window;
        for(const [id,sp] of spans)if(sp.end!=null&&sp.end<oldest)spans.delete(id);
        if(spans.size>MAXSPANS){const ids=[...spans.keys()].sort((a,b)=>a-b);for(const id of ids.slice(0,spans.size-MAXSPANS))spans.delete(id)}
        since=s.now-5000;hosts=s.hosts;rebuild();table();farm(s);
        $("status").className="";$("status").textContent=`${s.stateDirectory} · ${spans.size} spans · updated ${new Date(s.now).toLocaleTimeString()}`+(s.warnings.length?` · ${s.warnings.length} warning(s)`:"");
      }catch(e){$("status").className="bad";$("status").textContent="cannot reach the monitor: "+e.message}
      setTimeout(poll,1000)}
    const canvas=$("lanes"),ctx=canvas.getContext("2d");let lastDraw=0;
    function draw(t){
      requestAnimationFrame(draw);
      if(!dirty&&t-lastDraw<250)return;dirty=false;lastDraw=t;
      const dpr=window.devicePixelRatio||1,w=canvas.clientWidth,h=AXIS+ROW*Math.max(lanes.length,1);
      if(canvas.width!==Math.round(w*dpr)||canvas.height!==Math.round(h*dpr)){canvas.width=Math.round(w*dpr);canvas.height=Math.round(h*dpr);canvas.style.height=h+"px"}
      ctx.setTransform(dpr,0,0,dpr,0,0);ctx.clearRect(0,0,w,h);
      const now=serverNow(),left=now-windowMs,scale=(w-LABEL)/windowMs;
      ctx.font="12px ui-monospace,monospace";ctx.textBaseline="middle";
      lanes.forEach((l,i)=>{const y=AXIS+i*ROW;ctx.fillStyle=i%2?"#1b242d":"#182028";ctx.fillRect(0,y,w,ROW);
        ctx.fillStyle="#dde3ea";ctx.fillText(`${l.host}[${l.slot}]`,6,y+ROW/2)});
      ctx.fillStyle="#8a96a3";ctx.strokeStyle="#2a3440";
      const step=windowMs<=60000?10000:windowMs<=300000?60000:120000;
      for(let a=0;a<=windowMs;a+=step){const x=w-a*scale;ctx.beginPath();ctx.moveTo(x,AXIS-4);ctx.lineTo(x,h);ctx.stroke();
        ctx.fillText(a?`-${a/1000}s`:"now",Math.min(x-10,w-28),AXIS/2)}
      for(const s of spans.values()){
        const i=byLane.get(s.host+"\\u0000"+s.slot);if(i===undefined)continue;
        const end=s.end??now;if(end<left)continue;
        const x0=LABEL+Math.max(s.start-left,0)*scale,x1=LABEL+(end-left)*scale;
        ctx.fillStyle=COLORS[s.phase]||"#999";ctx.fillRect(x0,AXIS+i*ROW+2,Math.max(x1-x0-1,1.5),ROW-4)}}
    canvas.onmousemove=e=>{
      const r=canvas.getBoundingClientRect(),x=e.clientX-r.left,y=e.clientY-r.top,i=Math.floor((y-AXIS)/ROW),tip=$("tip");
      const l=lanes[i];if(!l||x<LABEL){tip.style.display="none";return}
      const t=serverNow()-windowMs+(x-LABEL)/((canvas.clientWidth-LABEL)/windowMs);
      const s=[...spans.values()].find(s=>s.host===l.host&&s.slot===l.slot&&s.start<=t&&(s.end??Infinity)>=t);
      if(!s){tip.style.display="none";return}
      tip.textContent=`${s.file||"(no file yet)"}  pid ${s.pid}\\n${s.phase} on ${s.host}[${s.slot}], ${secs((s.end??serverNow())-s.start)}`;
      tip.style.display="block";tip.style.left=Math.min(x+12,r.width-220)+"px";tip.style.top=(y+12)+"px"};
    canvas.onmouseleave=()=>{$("tip").style.display="none"};
    poll();requestAnimationFrame(draw);
    </script></body></html>

    """
}
