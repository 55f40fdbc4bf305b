import { createRequire as __batonRequire } from 'node:module'; const require = __batonRequire(import.meta.url);
function isBot(user){return!!user&&(user.type==="Bot"||/\[bot\]$/.test(String(user.login)))}export{isBot};
