// Preact, its hooks and htm, loaded as classic scripts by the page (see portfolio/web/vendor.py for why),
// re-exported as one module so that every other module imports from here.
const { h, render, Fragment, createContext, createRef } = window.preact;
export const { useState, useEffect, useRef, useMemo, useCallback, useContext, useReducer, useLayoutEffect } =
  window.preactHooks;
export const html = window.htm.bind(h);
export { h, render, Fragment, createContext, createRef };
